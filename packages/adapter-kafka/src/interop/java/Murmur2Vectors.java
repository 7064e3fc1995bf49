import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;

/**
 * Prints Kafka's own murmur2 and default-partitioner choice for each key (base64 of UTF-8 bytes),
 * one line per key: base64 TAB murmur2 TAB partition-for-12 TAB partition-for-7.
 * Run with: java -cp "$KAFKA_JARS_DIR/*" Murmur2Vectors.java KEY_B64...
 */
public class Murmur2Vectors {
  public static void main(String[] args) {
    for (String arg : args) {
      byte[] key = Base64.getDecoder().decode(arg);
      System.out.println(arg + "\t" + Utils.murmur2(key) + "\t"
          + BuiltInPartitioner.partitionForKey(key, 12) + "\t" + BuiltInPartitioner.partitionForKey(key, 7));
    }
  }
}
