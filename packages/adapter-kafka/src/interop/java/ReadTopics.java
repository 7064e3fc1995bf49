import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Kafka's own Java consumer reads what another client wrote. Args: BOOTSTRAP TOPIC:COUNT...
 * Prints one line per record: topic TAB partition TAB offset TAB key(b64) TAB value(b64) TAB
 * name=b64(value);... and exits 0 once every topic gave COUNT records, 2 after 30 s.
 */
public class ReadTopics {
  public static void main(String[] args) {
    Map<String, Integer> wanted = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String[] parts = args[i].split(":");
      wanted.put(parts[0], Integer.parseInt(parts[1]));
    }
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "java-interop-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Base64.Encoder b64 = Base64.getEncoder();
    Map<String, Integer> seen = new HashMap<>();
    long deadline = System.currentTimeMillis() + 30_000;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(new ArrayList<>(wanted.keySet()));
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          List<String> headers = new ArrayList<>();
          for (Header h : r.headers()) headers.add(h.key() + "=" + b64.encodeToString(h.value()));
          System.out.println(r.topic() + "\t" + r.partition() + "\t" + r.offset() + "\t"
              + (r.key() == null ? "-" : b64.encodeToString(r.key())) + "\t"
              + b64.encodeToString(r.value()) + "\t" + String.join(";", headers));
          seen.merge(r.topic(), 1, Integer::sum);
        }
        boolean done = true;
        for (Map.Entry<String, Integer> w : wanted.entrySet()) {
          if (seen.getOrDefault(w.getKey(), 0) < w.getValue()) done = false;
        }
        if (done) {
          System.out.flush();
          return;
        }
      }
    }
    System.exit(2);
  }
}
