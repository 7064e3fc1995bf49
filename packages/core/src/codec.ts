/// <reference types="node" preserve="true" />
/** Turns event data into bytes and back. `contentType` becomes the CloudEvents `datacontenttype`. */
export interface Codec {
  readonly contentType: string;
  encode(data: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/** The default codec: UTF-8 JSON. `undefined` data is sent as JSON `null`. */
export const jsonCodec: Codec = {
  contentType: 'application/json',
  encode(data) {
    return Buffer.from(JSON.stringify(data ?? null), 'utf8');
  },
  decode(bytes) {
    return JSON.parse(asBuffer(bytes).toString('utf8'));
  },
};

/** Passes bytes through untouched: for payloads that are already encoded (protobuf, Avro …). */
export const bytesCodec: Codec = {
  contentType: 'application/octet-stream',
  encode(data) {
    if (data instanceof Uint8Array) return data;
    throw new TypeError('bytesCodec encodes only Uint8Array data');
  },
  decode(bytes) {
    return bytes;
  },
};

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
