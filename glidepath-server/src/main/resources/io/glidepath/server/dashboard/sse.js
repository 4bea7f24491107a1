// Server-sent events over fetch(): EventSource cannot send an Authorization header, so the stream
// is read from a ReadableStream and cut into events here (https://html.spec.whatwg.org/#event-stream-interpretation,
// the parts the server uses: id, event, data, comments).

import {answer, authHeaders} from './api.js';

/**
 * Reads one stream to its end. Calls onEvent({id, event, data}) for each event (data parsed as
 * JSON); resolves when the server ends the stream; rejects on a network error or a refused call.
 */
export async function readStream(path, {lastEventId, signal, onOpen, onEvent}) {
  const headers = authHeaders({Accept: 'text/event-stream'});
  if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
  const resp = await fetch(path, {headers, signal, cache: 'no-store'});
  if (!resp.ok) await answer(resp); // throws with the server's message
  if (onOpen) onOpen();
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const ev = parse(block);
      if (ev) onEvent(ev);
    }
  }
}

function parse(block) {
  let id = null;
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return {id, event, data: JSON.parse(data.join('\n'))};
}

/**
 * Follows a stream until stopped: reconnects after a drop (resuming from the last event id when
 * resume is set), and stops for good when the server ends it and reconnectOnEnd is false. Returns
 * a function that stops following. onState('live' | 'reconnecting' | 'ended' | 'refused', detail).
 */
export function follow(path, {onEvent, onState = () => {}, resume = false, reconnectOnEnd = false}) {
  const controller = new AbortController();
  let lastEventId = null;
  let delay = 1000;
  (async () => {
    while (!controller.signal.aborted) {
      try {
        await readStream(path, {
          lastEventId: resume ? lastEventId : null,
          signal: controller.signal,
          onOpen: () => {
            delay = 1000;
            onState('live');
          },
          onEvent: (ev) => {
            if (ev.id) lastEventId = ev.id;
            onEvent(ev);
          },
        });
        if (!reconnectOnEnd) {
          onState('ended');
          return;
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        if (e.status && e.status !== 503) {
          onState('refused', e.message);
          return;
        }
      }
      if (controller.signal.aborted) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 8000);
    }
  })();
  return () => controller.abort();
}
