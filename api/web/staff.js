// staff: what the agent console and the knowledge editor share. Signing in with a staff
// token that lives in sessionStorage only (never in a URL, gone when the tab closes), asking
// for it again when the server stops accepting it without touching the page, one banner for
// trouble reaching the server, and drafts, so that nothing typed is lost to a reload, a
// restart or an expired token.

import { createClient, errorMessage } from './api.js';
import { t, register, detectLang, setLang, applyI18n, bindLangSwitch, onLangChange } from './i18n.js';
import { h, clear } from './render.js';

register({
  en: {
    'staff.token': 'Token',
    'staff.signin': 'Sign in',
    'staff.signout': 'Sign out',
    'staff.signingIn': 'Checking the token…',
    'staff.tokenHint': 'Kept in this tab only and forgotten when you close it.',
    'staff.tokenEmpty': 'Paste your token first.',
    'staff.badToken': 'The server does not accept this token: it is mistyped, expired or revoked.',
    'staff.wrongRole': 'This token cannot open this page: it needs a role of {role} or admin.',
    'staff.reauth': 'The server no longer accepts your token (expired or revoked). Sign in again to go on; nothing you typed is lost.',
    'staff.unreachable': 'Cannot reach the server (it may be restarting). Retrying; nothing you typed is lost.',
    'staff.role.agent': 'agent',
    'staff.role.editor': 'editor',
    'staff.draftRestored': 'Your unsaved text was restored.',
    'art.title': 'Title',
    'art.question': 'Question',
    'art.answer': 'Answer',
    'art.category': 'Category',
    'art.language': 'Language',
  },
  zh: {
    'staff.token': '令牌',
    'staff.signin': '登录',
    'staff.signout': '退出',
    'staff.signingIn': '正在验证令牌…',
    'staff.tokenHint': '令牌只保存在当前标签页，关闭后即清除。',
    'staff.tokenEmpty': '请先粘贴令牌。',
    'staff.badToken': '服务器不接受此令牌：可能输错、已过期或已被吊销。',
    'staff.wrongRole': '此令牌不能打开本页面：需要 {role} 或管理员角色。',
    'staff.reauth': '服务器已不再接受你的令牌（已过期或被吊销）。请重新登录以继续；你输入的内容都已保留。',
    'staff.unreachable': '无法连接服务器（可能正在重启）。正在重试；你输入的内容都已保留。',
    'staff.role.agent': '客服',
    'staff.role.editor': '编辑',
    'staff.draftRestored': '已恢复你未保存的内容。',
    'art.title': '标题',
    'art.question': '问题',
    'art.answer': '答案',
    'art.category': '分类',
    'art.language': '语言',
  },
});

const DRAFT_PREFIX = 'faqbot.draft.';

// drafts keeps what someone typed in sessionStorage, which survives a reload of the tab.
export const drafts = {
  get(key) {
    try {
      const raw = sessionStorage.getItem(DRAFT_PREFIX + key);
      return raw == null ? null : JSON.parse(raw);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      sessionStorage.setItem(DRAFT_PREFIX + key, JSON.stringify(value));
    } catch {
      // storage full or blocked: the text stays in the form
    }
  },
  remove(key) {
    try {
      sessionStorage.removeItem(DRAFT_PREFIX + key);
    } catch {
      // nothing to do
    }
  },
  clearAll() {
    try {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith(DRAFT_PREFIX)) sessionStorage.removeItem(k);
    } catch {
      // nothing to do
    }
  },
};

// debounce calls fn once, ms after the last of a burst of calls.
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// fieldName maps a server's field ("tags[2]", "similar_questions.0") to the form's input name.
export function fieldName(field) {
  return String(field || '').split(/[.[]/)[0];
}

// showFieldError marks the input named by err.field in form and writes the message next to
// it; it returns false when the form has no such input.
export function showFieldError(form, err, message) {
  const name = fieldName(err && err.field);
  const input = name && form.elements.namedItem(name);
  if (!input || !(input instanceof HTMLElement)) return false;
  input.setAttribute('aria-invalid', 'true');
  const box = input.closest('.field') || input.parentElement;
  let out = box.querySelector('.field-error');
  if (!out) {
    out = h('p', { class: 'field-error', role: 'alert', id: `${input.id || name}-error` });
    box.append(out);
  }
  out.textContent = message;
  input.setAttribute('aria-describedby', out.id);
  input.focus();
  return true;
}

// clearFieldErrors undoes showFieldError for every input of form.
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.remove();
}

// startStaffPage wires the page's sign-in. The page has #signin (a section with #signin-form,
// #token and #signin-error), #app (the page behind it), #signout, #lang and #banner.
// probe(client) makes a cheap call that needs the page's role. onSignedIn runs after every
// sign-in (the first, and after a re-sign-in when the token stopped working) and
// onSignedOut when the person signs out.
export function startStaffPage({ role, storageKey, probe, onSignedIn, onSignedOut = () => {} }) {
  const els = {
    signin: document.getElementById('signin'),
    form: document.getElementById('signin-form'),
    token: document.getElementById('token'),
    error: document.getElementById('signin-error'),
    app: document.getElementById('app'),
    signout: document.getElementById('signout'),
    banner: document.getElementById('banner'),
    lang: document.getElementById('lang'),
  };
  let token = readToken();
  let reauthing = false;
  // probing is set while a token typed into the form is being checked: its 401 is the
  // form's to explain, not a session that ended.
  let probing = false;
  let bannerKey = '';

  const client = createClient({ token: () => token, onUnauthorized: () => askAgain() });

  function readToken() {
    try {
      return sessionStorage.getItem(storageKey) || '';
    } catch {
      return '';
    }
  }

  function keepToken(tok) {
    token = tok;
    try {
      if (tok) sessionStorage.setItem(storageKey, tok);
      else sessionStorage.removeItem(storageKey);
    } catch {
      // kept in memory only
    }
  }

  // banner shows one page-wide message (a later one replaces it); key lets the caller take
  // down only its own.
  function banner(key, message, kind = 'error') {
    bannerKey = key;
    clear(els.banner).append(h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', { class: 'notice-text', text: message })));
    els.banner.hidden = false;
  }

  function unbanner(key) {
    if (key && key !== bannerKey) return;
    bannerKey = '';
    clear(els.banner);
    els.banner.hidden = true;
  }

  // askAgain shows the sign-in form over the page when the server stops accepting the token:
  // the page and everything typed into it stay as they are.
  function askAgain() {
    if (!token || reauthing || probing) return;
    reauthing = true;
    banner('auth', t('staff.reauth'), 'warn');
    els.signin.hidden = false;
    els.signin.classList.add('signin-over');
    els.error.textContent = '';
    els.token.value = '';
    els.token.focus();
  }

  // trouble reports a failed call that the page will retry on its own; ok reports one that
  // worked. Both keep the unreachable banner in step with the server.
  function trouble(err) {
    if (!err || !err.retriable) return;
    banner('net', t('staff.unreachable'), 'warn');
    watchHealth();
  }
  function ok() {
    unbanner('net');
  }

  // watchHealth asks /healthz every few seconds while the server is unreachable and takes
  // the banner down once it answers, also on a page that makes no calls of its own meanwhile.
  let healthTimer = null;
  function watchHealth() {
    if (healthTimer) return;
    healthTimer = setInterval(async () => {
      if (bannerKey !== 'net') {
        clearInterval(healthTimer);
        healthTimer = null;
        return;
      }
      try {
        const res = await fetch('/healthz', { cache: 'no-store', credentials: 'omit' });
        if (res.ok) ok();
      } catch {
        // still away
      }
    }, 3000);
  }

  async function signIn(e) {
    e.preventDefault();
    const candidate = els.token.value.trim();
    if (!candidate) {
      els.error.textContent = t('staff.tokenEmpty');
      els.token.focus();
      return;
    }
    els.error.textContent = t('staff.signingIn');
    const previous = token;
    token = candidate;
    probing = true;
    try {
      await probe(client);
    } catch (err) {
      token = previous;
      els.error.textContent =
        err.status === 401 ? t('staff.badToken') : err.status === 403 ? t('staff.wrongRole', { role: t(`staff.role.${role}`) }) : errorMessage(err);
      els.token.select();
      return;
    } finally {
      probing = false;
    }
    keepToken(candidate);
    els.token.value = '';
    els.error.textContent = '';
    const again = reauthing;
    reauthing = false;
    unbanner('auth');
    showApp();
    onSignedIn({ again });
  }

  function showApp() {
    els.signin.hidden = true;
    els.signin.classList.remove('signin-over');
    els.app.hidden = false;
    els.signout.hidden = false;
  }

  function signOut() {
    keepToken('');
    drafts.clearAll();
    reauthing = false;
    unbanner();
    els.app.hidden = true;
    els.signout.hidden = true;
    els.signin.hidden = false;
    els.signin.classList.remove('signin-over');
    onSignedOut();
    els.token.focus();
  }

  setLang(detectLang());
  applyI18n();
  onLangChange(() => applyI18n());
  if (els.lang) bindLangSwitch(els.lang);
  els.form.addEventListener('submit', signIn);
  els.signout.addEventListener('click', signOut);

  if (token) {
    // A reload keeps the session: the first call that fails with 401 asks again.
    showApp();
    queueMicrotask(() => onSignedIn({ again: false }));
  } else {
    els.app.hidden = true;
    els.signin.hidden = false;
    els.token.focus();
  }

  return {
    client,
    token: () => token,
    banner,
    unbanner,
    trouble,
    ok,
    askAgain,
  };
}
