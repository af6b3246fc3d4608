// Reads a UI message stream (the bytes of an SSE body) from the file named on the command
// line, parses it with the AI SDK's own parser and schema, rebuilds the UIMessage with the
// AI SDK's own reader, and prints {chunks, message, errors} as JSON. Exits 1 if any chunk
// fails the schema.
import { readFileSync } from "node:fs";
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from "ai";

const bytes = readFileSync(process.argv[2]);
const body = new ReadableStream({
  start(controller) {
    // Several pieces, as a network delivers them.
    for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
    controller.close();
  },
});

const chunks = [];
const invalid = [];
for await (const result of parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema })) {
  if (result.success) chunks.push(result.value);
  else invalid.push(String(result.error));
}

const errors = [];
let message = null;
const stream = new ReadableStream({
  start(controller) {
    for (const chunk of chunks) controller.enqueue(chunk);
    controller.close();
  },
});
for await (const snapshot of readUIMessageStream({ stream, onError: (e) => errors.push(String(e)) })) {
  message = snapshot;
}
console.log(JSON.stringify({ chunks, message, errors, invalid }));
process.exit(invalid.length ? 1 : 0);
