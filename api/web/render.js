// render: building DOM from untrusted text without ever parsing it as HTML.
//
// Every user, agent, editor and article string goes through textContent or the Markdown
// subset below, which builds elements one by one: nothing is ever parsed as HTML (the pages'
// CSP requires Trusted Types, so assigning a string as HTML would throw). Links are kept only for
// http(s) and mailto URLs; images are never loaded (an article could otherwise make every
// reader's browser call an outside server), they show as their alt text.

// h creates an element. attrs: class, text (textContent), dataset (object), on<Event>
// (a function, added as a listener), and any other attribute set with setAttribute (string
// values only; names starting with "on" and "style"/"srcdoc" are refused). Children are nodes
// or strings (as text).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (/^on/i.test(k) || k === 'style' || k === 'srcdoc') throw new Error(`render.h: attribute ${k} is not allowed`);
    else if (k === 'href' || k === 'src' || k === 'action') el.setAttribute(k, safeURL(String(v)) || '#');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

// append adds children (nodes, strings as text, arrays of either) to el.
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// clear removes every child of el.
export function clear(el) {
  el.replaceChildren();
  return el;
}

// setText replaces el's content with s as plain text.
export function setText(el, s) {
  el.textContent = s == null ? '' : String(s);
  return el;
}

// safeURL returns url when it is http(s), mailto or a same-page relative link, else ''.
// javascript:, data:, vbscript: and the like are refused, also disguised with case, spaces,
// control characters or entities (the URL parser resolves those before we look).
export function safeURL(url) {
  const s = String(url || '').trim();
  if (!s) return '';
  if (s.startsWith('#')) return s;
  let u;
  try {
    u = new URL(s, location.href);
  } catch {
    return '';
  }
  return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : '';
}

// link makes a safe outgoing link: a new tab without opener or referrer, or plain text when
// the URL is not safe.
export function link(url, label) {
  const href = safeURL(url);
  if (!href) return document.createTextNode(label || String(url));
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow ugc' }, label || href);
}

// renderMarkdown turns a small Markdown subset into a DocumentFragment: paragraphs, line
// breaks, "- " and "1. " lists, "#" headings (shown as bold lines), **bold**, *italic*,
// `code`, fenced code blocks, [links](https://…) and bare https:// URLs. Anything else is
// text; raw HTML is shown as the text it is.
export function renderMarkdown(src) {
  const frag = document.createDocumentFragment();
  const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  let list = null;

  const flushPara = () => {
    if (!para.length) return;
    const p = h('p');
    para.forEach((l, i) => {
      if (i) p.append(h('br'));
      p.append(inline(l));
    });
    frag.append(p);
    para = [];
  };
  const flushList = () => {
    if (list) frag.append(list.el);
    list = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flushPara();
      flushList();
      const code = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      frag.append(h('pre', {}, h('code', { text: code.join('\n') })));
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const ordered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flushPara();
      flushList();
      frag.append(h('p', { class: 'md-heading' }, h('strong', {}, inline(heading[1]))));
    } else if (bullet || ordered) {
      flushPara();
      const kind = bullet ? 'ul' : 'ol';
      if (!list || list.kind !== kind) {
        flushList();
        list = { kind, el: h(kind) };
        if (ordered && ordered[1] !== '1') list.el.setAttribute('start', ordered[1]);
      }
      list.el.append(h('li', {}, inline(bullet ? bullet[1] : ordered[2])));
    } else if (line.trim() === '') {
      flushPara();
      flushList();
    } else {
      flushList();
      para.push(line);
    }
  }
  flushPara();
  flushList();
  return frag;
}

// The inline patterns, tried left to right; the earliest match wins.
const INLINE = [
  { re: /`([^`\n]+)`/, make: (m) => h('code', { text: m[1] }) },
  { re: /!\[([^\]\n]*)\]\(([^)\s]*)[^)]*\)/, make: (m) => document.createTextNode(m[1] || '') },
  { re: /\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/, make: (m) => link(m[2], m[1]) },
  { re: /\*\*([^*\n]+)\*\*|__([^_\n]+)__/, make: (m) => h('strong', {}, inline(m[1] || m[2])) },
  { re: /\*([^*\n]+)\*|(?<![\w])_([^_\n]+)_(?![\w])/, make: (m) => h('em', {}, inline(m[1] || m[2])) },
  { re: /\bhttps?:\/\/[^\s<>()"'，。！？、；：）】》]+[^\s<>()"'.,;:!?，。！？、；：）】》]/, make: (m) => link(m[0], m[0]) },
];

// inline renders one line of inline Markdown into a fragment.
export function inline(text) {
  const frag = document.createDocumentFragment();
  let rest = String(text ?? '');
  while (rest) {
    let best = null;
    for (const p of INLINE) {
      const m = p.re.exec(rest);
      if (m && (!best || m.index < best.m.index)) best = { m, p };
    }
    if (!best) {
      frag.append(document.createTextNode(rest));
      break;
    }
    if (best.m.index > 0) frag.append(document.createTextNode(rest.slice(0, best.m.index)));
    frag.append(best.p.make(best.m));
    rest = rest.slice(best.m.index + best.m[0].length);
  }
  return frag;
}

// formatTime shows a time of day (today) or a short date, in lang.
export function formatTime(when, lang) {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return '';
  const locale = lang === 'zh' ? 'zh-CN' : 'en';
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// formatDuration shows seconds as "about N min" style text in lang.
export function formatDuration(seconds, lang) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return lang === 'zh' ? `${Math.max(1, s)} 秒` : `${Math.max(1, s)} s`;
  const m = Math.round(s / 60);
  if (m < 60) return lang === 'zh' ? `${m} 分钟` : `${m} min`;
  const hrs = Math.round(m / 6) / 10;
  return lang === 'zh' ? `${hrs} 小时` : `${hrs} h`;
}

// notice shows a message in a live region (role=status, or role=alert for errors) inside
// container; it returns a function that removes it. kind: info | success | warn | error.
export function notice(container, message, { kind = 'info', action = null, timeoutMs = 0 } = {}) {
  const el = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', { class: 'notice-text', text: message }));
  if (action) el.append(h('button', { type: 'button', class: 'btn btn-small', text: action.label, onclick: action.onClick }));
  container.append(el);
  const remove = () => el.remove();
  if (timeoutMs) setTimeout(remove, timeoutMs);
  return remove;
}
