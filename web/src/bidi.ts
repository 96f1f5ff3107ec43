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
