/**
 * Operating errors: one class per failure with a stable `code` under a common base, the
 * underlying error in `cause` (undici's pattern). Protocol outcomes (Kafka / ZooKeeper error
 * codes) have their own typed classes in their layers; bugs are assertion failures.
 */
export class GregorError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that do not decode: truncated input, a length over its bound, an invalid value. */
export class DecodeError extends GregorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GREGOR_ERR_DECODE', message, options);
  }
}

/** A value that cannot be encoded in the requested version or format. */
export class EncodeError extends GregorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GREGOR_ERR_ENCODE', message, options);
  }
}

/** A frame whose size prefix exceeds the configured bound (socket.request.max.bytes, jute.maxbuffer). */
export class FrameTooLargeError extends GregorError {
  readonly size: number;
  readonly maxBytes: number;
  constructor(size: number, maxBytes: number) {
    super('GREGOR_ERR_FRAME_TOO_LARGE', `frame of ${size} bytes exceeds the limit of ${maxBytes} bytes`);
    this.size = size;
    this.maxBytes = maxBytes;
  }
}
