/** Formats one outgoing SSE message; multi-line data becomes several data: lines. */
export function sseMessage(message: { event?: string; id?: string | number | null; data: string }): string {
  let out = "";
  if (message.event) out += `event: ${message.event}\n`;
  if (message.id !== undefined && message.id !== null) out += `id: ${message.id}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
