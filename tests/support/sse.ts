/**
 * Reading a server-sent event stream in tests: fetch against a real server, then frames one at
 * a time (events and comments), as a browser's EventSource would split them.
 */

/** One frame of the stream: an event (`id`, `event`, parsed `data`) or a comment. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: Record<string, unknown>;
  comment?: string;
  retry?: number;
}

/** An open stream. */
export interface SseStream extends AsyncDisposable {
  status: number;
  headers: Headers;
  /** The body when the server refused (status not 200). */
  text: string;
  /** The next frame; rejects when the stream ended. */
  next(): Promise<SseFrame>;
  /** The next event (comments skipped) matching `pick`. */
  nextEvent(pick?: (frame: SseFrame) => boolean): Promise<SseFrame>;
  close(): Promise<void>;
}

/**
 * Parses one frame's lines.
 *
 * @example
 * ```ts
 * parseFrame('id: 3\nevent: run\ndata: {"id":"run_1"}'); // { id: "3", event: "run", data: { id: "run_1" } }
 * ```
 */
export function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  const data: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) frame.comment = line.slice(1).trim();
    else if (line.startsWith("id: ")) frame.id = line.slice(4);
    else if (line.startsWith("event: ")) frame.event = line.slice(7);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
    else if (line.startsWith("retry: ")) frame.retry = Number(line.slice(7));
  }
  if (data.length > 0) frame.data = JSON.parse(data.join("\n"));
  return frame;
}

/**
 * Opens `url` as an event stream with `headers` (the cookie, `Last-Event-ID`, …).
 *
 * @example
 * ```ts
 * await using s = await openSse(`${base}/api/live`, { cookie });
 * const frame = await s.nextEvent((f) => f.event === "host.state");
 * ```
 */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    const done = () => Promise.resolve();
    return {
      status: res.status,
      headers: res.headers,
      text,
      next: () => Promise.reject(new Error(`no stream: ${res.status} ${text}`)),
      nextEvent: () => Promise.reject(new Error(`no stream: ${res.status} ${text}`)),
      close: done,
      [Symbol.asyncDispose]: done,
    };
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let closed = false;
  const next = async (): Promise<SseFrame> => {
    while (true) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return parseFrame(text);
      }
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the stream ended");
      buffer += chunk.value;
    }
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    abort.abort();
    await reader.cancel().catch(() => {});
  };
  return {
    status: res.status,
    headers: res.headers,
    text: "",
    next,
    async nextEvent(pick = () => true) {
      while (true) {
        const frame = await next();
        if (frame.event && pick(frame)) return frame;
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
