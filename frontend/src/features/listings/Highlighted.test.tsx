import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { Highlighted } from "./Highlighted";

/** The markup, and the text of each <mark> (decoded as a browser would show it). */
function render(text: string, spans: number[][]) {
  const html = renderToStaticMarkup(<Highlighted text={text} spans={spans} />);
  const marks = [...html.matchAll(/<mark[^>]*>(.*?)<\/mark>/g)].map((m) =>
    (m[1] ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"),
  );
  const plain = html
    .replace(/<\/?mark[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
  return { html, marks, plain };
}

describe("Highlighted", () => {
  it("marks the spans and keeps the whole text", () => {
    const r = render("東京で中古の自転車を売ります", [[6, 9]]);
    expect(r.plain).toBe("東京で中古の自転車を売ります");
    expect(r.marks).toEqual(["自転車"]);
  });

  it("counts UTF-16 units, as the server sends them", () => {
    expect(render("🚲 guitar", [[3, 9]]).marks).toEqual(["guitar"]);
  });

  it("never reads the text as HTML", () => {
    const r = render("<b>bold</b> offer", [[0, 11]]);
    expect(r.marks).toEqual(["<b>bold</b>"]);
    expect(r.html).not.toContain("<b>");
  });

  it("skips a span that overlaps the one before", () => {
    expect(
      render("abcdef", [
        [0, 3],
        [2, 5],
      ]).marks,
    ).toEqual(["abc"]);
  });
});
