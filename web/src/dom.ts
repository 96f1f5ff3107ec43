// Finding the page's own elements (static/index.html).

// byId is the element with id; a page without it is a broken build.
export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`the page lacks #${id}`);
  }
  return el as T;
}
