import { STATUS_CODES } from 'node:http';

/** What the check handler writes to (node:http's ServerResponse has the same members). */
export interface CheckHttpResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: string[]): unknown;
  end(body: string): unknown;
  destroy(): unknown;
}

/** Header names and values an answer may carry: what node:http would accept. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The last long header value found valid (compared by identity first, so a reused one costs nothing). */
let lastLongValue = '';

let dateSecond = -1;
let dateValue = '';
/** The Date header, formatted at most once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

/** The connection an answer is written to (server.ts). */
export interface AnswerSink {
  /** Whether the connection ends after this answer: `clientAsked` (`Connection: close`), or draining. */
  closesAfter(clientAsked: boolean): boolean;
  /** Write the answer's bytes; called at most once per answer. */
  send(head: string, body: string): void;
  /** Reset the connection. */
  destroy(): void;
}

/**
 * One answer on a lean connection: the head is built by `writeHead` and sent with the body
 * in a single write by `end`. Like node:http it refuses a header name or value that is not
 * valid HTTP (a throw the check handler turns into a reset, which every peer treats as a
 * deny), and it sends no body to a HEAD request.
 */
export class LeanResponse implements CheckHttpResponse {
  headersSent = false;
  #head = '';
  #sent = false;
  readonly #headRequest: boolean;
  readonly #clientClose: boolean;
  readonly #sink: AnswerSink;

  /** `clientClose`: the request asked to close the connection after the answer. */
  constructor(method: string, clientClose: boolean, sink: AnswerSink) {
    this.#headRequest = method === 'HEAD';
    this.#clientClose = clientClose;
    this.#sink = sink;
  }

  writeHead(status: number, headers: string[]): this {
    if (this.headersSent) throw new Error('answer already written');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new Error('invalid status');
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\ndate: ${httpDate()}\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      if (!TOKEN.test(name) || (value !== lastLongValue && BAD_VALUE.test(value)))
        throw new Error(`invalid answer header ${name}`);
      // an assertion is reused for repeated checks of one principal and path: check it once
      if (value.length > 256) lastLongValue = value;
      head += `${name}: ${value}\r\n`;
    }
    this.#head = head;
    this.headersSent = true;
    return this;
  }

  end(body: string): this {
    if (this.#sent) return this;
    if (!this.headersSent) this.writeHead(200, ['content-length', String(Buffer.byteLength(body))]);
    this.#sent = true;
    const close = this.#sink.closesAfter(this.#clientClose);
    this.#sink.send(
      close ? `${this.#head}connection: close\r\n\r\n` : `${this.#head}\r\n`,
      this.#headRequest ? '' : body,
    );
    return this;
  }

  destroy(): this {
    this.#sink.destroy();
    return this;
  }
}
