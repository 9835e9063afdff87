import type { ReactNode } from "react";

/**
 * `text` with the given spans wrapped in <mark>. The spans come from the server's
 * own segmentation ([start, end) in UTF-16 code units, which is how a JavaScript
 * string slices), so Japanese, Thai or accented words are marked exactly as the
 * search matched them; the text only ever becomes React text nodes, never HTML.
 */
export function Highlighted({ text, spans }: { text: string; spans: number[][] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const span of spans) {
    const [start = 0, end = 0] = span;
    // Sorted and in range by the decoder; a span that overlaps the last is skipped.
    if (start < at) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(
      <mark key={start} className="rounded-sm bg-yellow-200 px-0.5 text-inherit dark:bg-yellow-700">
        {text.slice(start, end)}
      </mark>,
    );
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
