// i18n: the pages' words in Chinese and English.
//
// Each page registers its own strings with register({en: {...}, zh: {...}}); the shared ones
// (connection states, errors) are below. t(key, vars) fills {name} placeholders. Strings are
// only ever set as text, never parsed as HTML.

const dicts = {
  en: {
    'lang.switch': '中文',
    'lang.switch.title': 'Switch to Chinese',
    'conn.connecting': 'Connecting…',
    'conn.open': 'Connected',
    'conn.reconnecting': 'Connection lost. Reconnecting in {seconds} s…',
    'conn.reconnectingNow': 'Connection lost. Reconnecting…',
    'conn.offline': 'You are offline. We will reconnect when the network is back.',
    'conn.closed': 'Disconnected',
    'err.network': 'Cannot reach the server. Check your connection; we will retry.',
    'err.unauthorized': 'Your sign-in has expired. Reload the page or sign in again; what you typed is kept.',
    'err.forbidden': 'You are not allowed to do this.',
    'err.notFound': 'Not found.',
    'err.conflict': 'Someone else changed this meanwhile.',
    'err.tooLarge': 'That is too large to send.',
    'err.rateLimited': 'Too many requests. Try again in {seconds} s.',
    'err.unavailable': 'The service is busy or restarting. Try again in a moment.',
    'err.internal': 'Something went wrong on our side (request {id}). Try again.',
    'err.unknown': 'Something went wrong. Try again.',
    'common.retry': 'Retry',
    'common.cancel': 'Cancel',
    'common.close': 'Close',
    'common.save': 'Save',
    'common.send': 'Send',
    'common.loading': 'Loading…',
    'common.dismiss': 'Dismiss',
  },
  zh: {
    'lang.switch': 'English',
    'lang.switch.title': '切换到英文',
    'conn.connecting': '正在连接…',
    'conn.open': '已连接',
    'conn.reconnecting': '连接已断开，{seconds} 秒后重新连接…',
    'conn.reconnectingNow': '连接已断开，正在重新连接…',
    'conn.offline': '网络已断开，恢复后会自动重新连接。',
    'conn.closed': '已断开',
    'err.network': '无法连接服务器，请检查网络；我们会自动重试。',
    'err.unauthorized': '登录已过期，请刷新页面或重新登录；你输入的内容已保留。',
    'err.forbidden': '你没有权限执行此操作。',
    'err.notFound': '未找到。',
    'err.conflict': '此内容已被他人修改。',
    'err.tooLarge': '内容太大，无法发送。',
    'err.rateLimited': '请求过于频繁，请 {seconds} 秒后再试。',
    'err.unavailable': '服务繁忙或正在重启，请稍后再试。',
    'err.internal': '服务器出错了（请求编号 {id}），请重试。',
    'err.unknown': '出错了，请重试。',
    'common.retry': '重试',
    'common.cancel': '取消',
    'common.close': '关闭',
    'common.save': '保存',
    'common.send': '发送',
    'common.loading': '加载中…',
    'common.dismiss': '知道了',
  },
};

export const LANGS = ['zh', 'en'];
const STORAGE_KEY = 'faqbot.lang';
let current = 'en';
const listeners = new Set();

// register merges a page's strings into the dictionaries.
export function register(extra) {
  for (const lang of LANGS) {
    Object.assign(dicts[lang], extra[lang] || {});
  }
}

// normalize maps a BCP 47 tag ("zh-CN", "en-US") to one of ours, or '' when it is neither.
export function normalize(tag) {
  const base = String(tag || '').toLowerCase().split(/[-_]/)[0];
  return LANGS.includes(base) ? base : '';
}

function stored() {
  try {
    return normalize(localStorage.getItem(STORAGE_KEY));
  } catch {
    return ''; // storage can be blocked (third-party iframe, private mode)
  }
}

// detectLang picks the language: an explicit preference, else the user's last choice, else the
// browser's languages, else English.
export function detectLang(preferred) {
  const p = normalize(preferred) || stored();
  if (p) return p;
  for (const l of navigator.languages || [navigator.language]) {
    const n = normalize(l);
    if (n) return n;
  }
  return 'en';
}

export function getLang() {
  return current;
}

// setLang switches the language, remembers it when remember is true, and tells the listeners.
export function setLang(lang, remember = false) {
  const n = normalize(lang) || 'en';
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, n);
    } catch {
      // not remembered: fine
    }
  }
  if (n === current && document.documentElement.lang === langAttr(n)) return;
  current = n;
  document.documentElement.lang = langAttr(n);
  for (const fn of listeners) fn(n);
}

function langAttr(l) {
  return l === 'zh' ? 'zh-CN' : 'en';
}

// onLangChange calls fn with the new language after every switch; it returns an unsubscribe.
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// t returns the string for key in the current language with {name} filled from vars; a missing
// key falls back to English, then to the key itself (visible, so it gets noticed).
export function t(key, vars) {
  const s = dicts[current][key] ?? dicts.en[key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// applyI18n fills the elements under root that ask for it: data-i18n (text),
// data-i18n-placeholder, data-i18n-title, data-i18n-aria-label.
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}

// bindLangSwitch makes button toggle zh/en, remembering the choice.
export function bindLangSwitch(button) {
  const label = () => {
    button.textContent = t('lang.switch');
    button.title = t('lang.switch.title');
  };
  button.addEventListener('click', () => setLang(current === 'zh' ? 'en' : 'zh', true));
  onLangChange(label);
  label();
}
