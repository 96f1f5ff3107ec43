// Names in bidirectional text. A username is isolated from the text around
// it (a <bdi> element: direction of its own, computed from its first strong
// character, and no effect on its neighbours), so that a right-to-left name,
// or one ending in digits or punctuation, cannot reorder the words of the
// line it is in, nor look like another name. The server refuses names with
// bidirectional controls; the isolation also covers older servers, whose
// names may hold them.

// isolated is name in a <bdi> element of class className (if given).
export function isolated(name: string, className = ""): HTMLElement {
  const e = document.createElement("bdi");
  e.textContent = name;
  if (className) {
    e.className = className;
  }
  return e;
}

// withName is the sentence text(name) as nodes to append, with name
// isolated in it. text must use its argument once and never hold NUL.
export function withName(text: (name: string) => string, name: string): (string | Node)[] {
  const [before = "", after = ""] = text("\u0000").split("\u0000");
  return [before, isolated(name), after].filter((p) => p !== "");
}

// withNames is withName for a sentence of several names (or other words
// from the network: a reason, a topic), each isolated. text must use each
// argument once and never hold the characters U+E000 to U+E00F.
export function withNames(text: (...names: string[]) => string, ...names: string[]): (string | Node)[] {
  const marks = names.map((_, i) => String.fromCharCode(0xe000 + i));
  const parts: (string | Node)[] = [];
  for (const piece of text(...marks).split(/([\uE000-\uE00F])/)) {
    const at = marks.indexOf(piece);
    if (at >= 0) {
      parts.push(isolated(names[at]));
    } else if (piece !== "") {
      parts.push(piece);
    }
  }
  return parts;
}
