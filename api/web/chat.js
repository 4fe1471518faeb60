// chat.js: the chat widget's frame (/chat).
//
// The transcript comes from one event stream (GET /v1/conversations/{id}/events): it replays
// the conversation from the start, then delivers new messages (agent replies among them) and
// state changes, resuming after the last seq after a drop, so nothing is lost or shown twice
// (messages are kept by seq). Sending streams the bot's reply (POST …/messages as SSE) into a
// draft bubble that the stored message replaces. Every send carries an Idempotency-Key and is
// retried with the same key until the server has it, so a dropped network, a server restart or
// an expired token never loses a message: unsent messages stay on screen (and in session
// storage) until they are delivered.

import { register, t, detectLang, setLang, getLang, applyI18n, bindLangSwitch, onLangChange } from './i18n.js';
import { createClient, errorMessage, newIdempotencyKey, ApiError } from './api.js';
import { h, clear, renderMarkdown, formatTime, formatDuration } from './render.js';
import { STRINGS, STARTERS } from './chat-i18n.js';

register(STRINGS);

const $ = (id) => document.getElementById(id);
const ui = {
  chat: $('chat'),
  state: $('state'),
  conn: $('conn'),
  banner: $('banner'),
  bannerTitle: $('banner-title'),
  bannerDetail: $('banner-detail'),
  bannerNumber: $('banner-number'),
  log: $('log'),
  empty: $('empty'),
  starters: $('starters'),
  rating: $('rating'),
  ratingForm: $('rating-form'),
  stars: $('stars'),
  ratingComment: $('rating-comment'),
  ratingError: $('rating-error'),
  ratingSkip: $('rating-skip'),
  error: $('error'),
  compose: $('compose'),
  input: $('input'),
  human: $('human'),
  lang: $('lang'),
  close: $('close'),
};

const embedded = window.parent !== window;
const RETRY_MAX_MS = 15000;
const TICKET_POLL_MS = 10000;
// Ticket numbers as the bot writes them ("GS0Z-AEWW"): a fallback when the page did not see
// the handoff reply itself (another tab, a reload).
const TICKET_RE = /\b([0-9A-Z]{4}-[0-9A-Z]{4})\b/;

const S = {
  userToken: '', // the host app's JWT for its user; '' when anonymous
  conv: null, // {id, token?}: token only for anonymous conversations
  state: '',
  ticket: null, // {number, position, expected_wait_seconds, status}
  byseq: new Map(), // seq -> element
  pending: [], // unconfirmed user messages, oldest first: {key, text, el, sent}
  draft: null, // the bot reply being streamed: {el, bubble, text}
  sub: null,
  sending: false,
  waitToken: null, // resolves when the host app sends a fresh token
  ticketTimer: 0,
  rated: new Set(),
  losing: null, // a promise while a lost conversation is being replaced
};

const client = createClient({
  token: () => (S.conv && S.conv.token) || S.userToken,
  onUnauthorized: () => askForToken(),
});

// ---- storage: what survives a reload (never the host's token) ----

function storageKey() {
  return 'faqbot.chat.' + (S.userToken ? 'u.' + subjectOf(S.userToken) : 'anon');
}

function subjectOf(jwt) {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return String(JSON.parse(atob(payload)).sub || '');
  } catch {
    return '';
  }
}

function load() {
  try {
    return JSON.parse(localStorage.getItem(storageKey()) || 'null') || {};
  } catch {
    return {};
  }
}

function save() {
  try {
    localStorage.setItem(
      storageKey(),
      JSON.stringify({
        conv: S.conv,
        ticket: S.ticket && S.ticket.number,
        rated: [...S.rated],
      }),
    );
    sessionStorage.setItem(storageKey() + '.outbox', JSON.stringify(S.pending.filter((p) => !p.sent).map((p) => ({ key: p.key, text: p.text }))));
  } catch {
    // storage blocked: the chat still works, it just does not survive a reload
  }
}

function savedOutbox() {
  try {
    return JSON.parse(sessionStorage.getItem(storageKey() + '.outbox') || '[]');
  } catch {
    return [];
  }
}

function saveDraftText() {
  try {
    sessionStorage.setItem('faqbot.chat.input', ui.input.value);
  } catch {
    // not kept
  }
}

// ---- start ----

async function start(init) {
  S.userToken = typeof init.token === 'string' ? init.token : '';
  setLang(detectLang(init.lang));
  applyI18n();
  bindLangSwitch(ui.lang);
  onLangChange(() => {
    applyI18n();
    renderState();
    renderStarters();
    if (embedded) window.parent.postMessage({ type: 'faqbot:lang', lang: getLang() }, '*');
  });
  ui.close.hidden = !init.closable;
  renderStarters();
  renderStars();
  try {
    ui.input.value = sessionStorage.getItem('faqbot.chat.input') || '';
  } catch {
    // nothing kept
  }

  const saved = load();
  S.rated = new Set(saved.rated || []);
  if (saved.ticket) S.ticket = { number: saved.ticket };
  for (const o of savedOutbox()) queueMessage(o.text, o.key);
  if (saved.conv && saved.conv.id && (S.userToken || saved.conv.token)) {
    S.conv = saved.conv;
  } else {
    await newConversation();
  }
  if (S.conv) subscribe();
  pump();
}

// newConversation starts a conversation, retrying while the server cannot be reached.
async function newConversation() {
  for (let attempt = 0; ; attempt++) {
    try {
      const c = await client.post('/v1/conversations', { language: getLang() });
      S.conv = { id: c.id, token: c.token || '' };
      S.byseq.clear();
      save();
      return;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && S.userToken) {
        showError(t('chat.tokenExpired'));
        await askForToken();
        continue;
      }
      if (!(err instanceof ApiError) || !err.retriable) {
        // Without a token a 401 means the server allows no anonymous chat: the host app must
        // pass its user's token.
        showError(err instanceof ApiError && err.status === 401 && !S.userToken ? t('chat.noToken') : errorMessage(err));
        ui.chat.setAttribute('aria-busy', 'false');
        return;
      }
      showConn(t('conn.reconnectingNow'));
      await sleep(backoff(attempt));
    }
  }
}

// lostConversation starts over when the stored conversation is gone (a demo server restarted
// without a database): the old messages cannot come back, the unsent ones are sent anew.
function lostConversation() {
  if (!S.losing) S.losing = startOver().finally(() => (S.losing = null));
  return S.losing;
}

async function startOver() {
  if (S.sub) S.sub.close();
  S.sub = null;
  S.conv = null;
  S.ticket = null;
  S.state = '';
  for (const el of [...ui.log.querySelectorAll('.msg')]) el.remove();
  S.byseq.clear();
  // What the server never had goes to the new conversation.
  S.pending = S.pending.filter((p) => !p.sent);
  for (const p of S.pending) {
    p.confirmed = false;
    appendToLog(p.el);
  }
  showNotice(t('chat.lost'));
  await newConversation();
  if (S.conv) subscribe();
}

// ---- the event stream ----

function subscribe() {
  const convID = S.conv.id;
  S.sub = client.subscribe(`/v1/conversations/${encodeURIComponent(convID)}/events`, {
    onEvent(ev) {
      if (ev.event === 'message') addMessage(ev.data);
      else if (ev.event === 'state') setState(ev.data.state);
    },
    onStatus(status, info) {
      if (!S.conv || S.conv.id !== convID) return;
      switch (status) {
        case 'open':
          hideConn();
          break;
        case 'reconnecting':
          showConn(navigator.onLine === false ? t('conn.offline') : t('conn.reconnecting', { seconds: Math.max(1, Math.round(info.delay / 1000)) }));
          break;
        case 'unauthorized':
          if (S.conv.token) {
            lostConversation().then(pump);
          } else {
            showConn(t('chat.tokenExpired'));
            askForToken().then(() => S.sub && S.sub.resume());
          }
          break;
        case 'failed':
          if (info.error.status === 404) lostConversation().then(pump);
          else showError(errorMessage(info.error));
          break;
      }
    },
  });
}

function addMessage(m) {
  if (!m || typeof m.seq !== 'number' || S.byseq.has(m.seq)) return;
  ui.chat.setAttribute('aria-busy', 'false');
  if (m.role === 'user') {
    // Our own message coming back replaces its pending bubble: the oldest with the same
    // text, else the oldest one the server acknowledged. One still being retried stays in the
    // outbox (its retry returns the stored reply) but is not shown twice.
    const open = S.pending.filter((p) => !p.confirmed);
    const p = open.find((x) => x.text.trim() === String(m.text).trim()) || open.find((x) => x.sent);
    if (p) {
      p.confirmed = true;
      p.el.remove();
      if (p.sent) S.pending.splice(S.pending.indexOf(p), 1);
    }
  }
  if ((m.role === 'bot' || m.role === 'system') && S.draft) dropDraft();
  if (m.role === 'bot' && (m.decision === 'handoff' || m.decision === 'queued')) {
    const n = TICKET_RE.exec(m.text || '');
    if (n && (!S.ticket || S.ticket.number !== n[1])) {
      S.ticket = { number: n[1] };
      save();
    }
  }
  if (m.role === 'user' || m.role === 'agent') clearOldChips(m.seq);
  const el = messageEl(m);
  S.byseq.set(m.seq, el);
  insertBySeq(el, m.seq);
  ui.empty.hidden = true;
  if (m.role === 'agent' && embedded) window.parent.postMessage({ type: 'faqbot:unread' }, '*');
  scrollDown();
}

function messageEl(m) {
  const role = ['user', 'bot', 'agent', 'system'].includes(m.role) ? m.role : 'system';
  const el = h('div', { class: `msg msg-${role}`, dataset: { seq: String(m.seq), role } });
  if (role === 'agent') el.append(h('div', { class: 'msg-author', text: m.author ? t('msg.agentNamed', { name: m.author }) : t('msg.agent') }));
  const bubble = h('div', { class: 'bubble' });
  if (role === 'bot') {
    bubble.classList.add('md');
    bubble.append(renderMarkdown(m.text));
  } else {
    bubble.textContent = m.text || '';
  }
  el.append(bubble);
  const cites = Array.isArray(m.citations) ? m.citations : [];
  if (role === 'bot' && cites.length) {
    el.append(h('div', { class: 'citations' }, h('span', { text: t('msg.sources'), 'data-i18n': 'msg.sources' }), cites.map((c) => h('span', { class: 'citation', text: c.title || '' }))));
  }
  const sugg = Array.isArray(m.suggestions) ? m.suggestions : [];
  if (role === 'bot' && sugg.length) el.append(chipsEl(sugg));
  if (m.created_at) el.append(h('div', { class: 'msg-meta' }, h('time', { datetime: m.created_at, text: formatTime(m.created_at, getLang()) })));
  return el;
}

// appendToLog adds el at the end of the conversation, above the rating prompt if shown.
function appendToLog(el) {
  ui.log.insertBefore(el, ui.rating.parentNode === ui.log ? ui.rating : null);
}

// chipsEl offers the likely questions of a clarifying reply; picking one asks it.
function chipsEl(suggestions) {
  return h('div', { class: 'chips', role: 'group', 'aria-label': t('msg.suggestions') }, suggestions.map((s) => h('button', { type: 'button', class: 'chip', text: String(s), onclick: () => sendText(s) })));
}

// insertBySeq keeps the log in seq order: pending bubbles (no seq yet) stay at the end.
function insertBySeq(el, seq) {
  for (const child of ui.log.children) {
    const s = Number(child.dataset.seq);
    if (child.classList.contains('msg-pending') || child.classList.contains('msg-streaming') || child === ui.rating || (!Number.isNaN(s) && s > seq)) {
      ui.log.insertBefore(el, child);
      return;
    }
  }
  ui.log.append(el);
}

// Suggestions are for the question just asked: once the conversation moves on (a message
// after them) they go. A late event of an earlier message does not count.
function clearOldChips(seq = Infinity) {
  for (const c of ui.log.querySelectorAll('.msg .chips')) {
    if (Number(c.closest('.msg').dataset.seq) < seq) c.remove();
  }
}

// ---- state, banner, ticket ----

function setState(state) {
  const prev = S.state;
  S.state = String(state || '');
  ui.chat.setAttribute('aria-busy', 'false');
  ui.chat.dataset.state = S.state;
  if (S.state === 'queued' || S.state === 'agent') {
    refreshTicket();
  }
  if (S.state === 'resolved' && prev !== 'resolved') showRating();
  renderState();
}

function renderState() {
  const st = S.state || 'bot';
  ui.state.textContent = t(`state.${st}`);
  ui.state.className = 'badge ' + ({ bot: 'badge-accent', queued: 'badge-warn', agent: 'badge-success', resolved: '' }[st] || '');
  ui.human.hidden = st === 'queued' || st === 'agent';
  clearInterval(S.ticketTimer);
  if (st === 'queued') S.ticketTimer = setInterval(refreshTicket, TICKET_POLL_MS);

  const showBanner = (st === 'queued' || st === 'agent' || st === 'resolved') && S.ticket;
  ui.banner.hidden = !showBanner;
  if (!showBanner) return;
  ui.banner.dataset.state = st;
  ui.bannerNumber.textContent = S.ticket.number;
  ui.bannerTitle.textContent = t(`banner.${st}.title`);
  if (st === 'queued') {
    const pos = S.ticket.position;
    const wait = formatDuration(S.ticket.expected_wait_seconds || 0, getLang());
    ui.bannerDetail.textContent = typeof pos === 'number' ? (pos <= 1 ? t('banner.queued.next', { wait }) : t('banner.queued.place', { position: pos, wait })) : t('banner.queued.detail');
  } else {
    ui.bannerDetail.textContent = t(`banner.${st}.detail`);
  }
}

async function refreshTicket() {
  if (!S.ticket || !S.ticket.number) return;
  try {
    const st = await client.get(`/v1/tickets/${encodeURIComponent(S.ticket.number)}`);
    S.ticket = { ...S.ticket, ...st };
    if (st.status === 'closed') S.rated.add(st.number);
    save();
    renderState();
  } catch {
    // the banner keeps what it showed; the next state event or poll tries again
  }
}

async function requestHuman() {
  ui.human.disabled = true;
  try {
    const st = await client.post(`/v1/conversations/${encodeURIComponent(S.conv.id)}/handoff`, {});
    S.ticket = st;
    save();
    setState('queued');
  } catch (err) {
    showError(errorMessage(err));
  } finally {
    ui.human.disabled = false;
  }
}

// ---- rating ----

let score = 0;

function renderStars() {
  clear(ui.stars);
  for (let n = 1; n <= 5; n++) {
    const b = h('button', { type: 'button', class: 'star', role: 'radio', 'aria-checked': 'false', dataset: { score: String(n) }, text: '★' });
    b.addEventListener('click', () => pickScore(n));
    b.addEventListener('keydown', (e) => {
      const d = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[e.key];
      if (!d) return;
      e.preventDefault();
      pickScore(Math.min(5, Math.max(1, (score || n) + d)));
    });
    ui.stars.append(b);
  }
  labelStars();
  onLangChange(labelStars);
}

function labelStars() {
  for (const b of ui.stars.children) b.setAttribute('aria-label', t('rating.star', { n: b.dataset.score }));
}

function pickScore(n) {
  score = n;
  for (const b of ui.stars.children) {
    const s = Number(b.dataset.score);
    b.setAttribute('aria-checked', String(s === n));
    b.classList.toggle('lit', s <= n);
    b.tabIndex = s === n ? 0 : -1;
  }
  ui.stars.children[n - 1].focus();
  ui.ratingError.textContent = '';
}

function showRating() {
  if (!S.ticket || S.rated.has(S.ticket.number)) return;
  // The prompt sits at the end of the conversation, scrolling with it: on a phone a pinned
  // card would leave no room for the messages.
  ui.log.append(ui.rating);
  ui.rating.hidden = false;
  ui.rating.dataset.ticket = S.ticket.number;
  scrollDown(true);
}

async function submitRating(e) {
  e.preventDefault();
  if (!score) {
    ui.ratingError.textContent = t('rating.pick');
    return;
  }
  const number = ui.rating.dataset.ticket;
  const submit = $('rating-submit');
  submit.disabled = true;
  try {
    await client.post(`/v1/tickets/${encodeURIComponent(number)}/rating`, { score, comment: ui.ratingComment.value });
    rated(number);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409 && /rated|评价过/.test(err.message)) rated(number);
    else ui.ratingError.textContent = errorMessage(err);
  } finally {
    submit.disabled = false;
  }
}

function rated(number) {
  S.rated.add(number);
  save();
  ui.rating.hidden = true;
  showNotice(t('rating.thanks'));
}

// ---- sending ----

function sendText(text) {
  const s = String(text || '').trim();
  if (!s) return;
  clearOldChips();
  queueMessage(s, newIdempotencyKey());
  save();
  pump();
}

function queueMessage(text, key) {
  const el = h('div', { class: 'msg msg-user msg-pending', dataset: { role: 'user' } }, h('div', { class: 'bubble', text }), h('div', { class: 'msg-meta' }, h('span', { class: 'msg-status', text: t('msg.sending') })));
  appendToLog(el);
  ui.empty.hidden = true;
  S.pending.push({ key, text, el, sent: false, confirmed: false });
  scrollDown();
}

function pendingStatus(p, text, failed = false) {
  p.el.classList.toggle('msg-failed', failed);
  const status = p.el.querySelector('.msg-status');
  if (status) status.textContent = text;
}

// pump sends the unsent messages one by one, in order.
async function pump() {
  if (S.sending || !S.conv) return;
  S.sending = true;
  try {
    for (;;) {
      const p = S.pending.find((x) => !x.sent);
      if (!p) return;
      await deliver(p);
    }
  } finally {
    S.sending = false;
  }
}

// deliver sends p until the server has it: network errors, restarts and busy servers are
// retried with the same Idempotency-Key (the server answers a repeat with the stored reply);
// an expired token waits for a fresh one. Input the server refuses goes back into the box,
// with the server's reason.
async function deliver(p) {
  for (let attempt = 0; ; attempt++) {
    if (S.losing) await S.losing;
    if (!S.conv) return; // no conversation could be started; the error is shown
    const convID = S.conv.id;
    startDraft();
    try {
      const r = await client.stream('POST', `/v1/conversations/${encodeURIComponent(convID)}/messages`, {
        json: { text: p.text },
        idempotencyKey: p.key,
        onEvent: (ev) => {
          if (ev.event === 'delta' && ev.data && typeof ev.data.text === 'string') growDraft(ev.data.text);
        },
      });
      dropDraft();
      p.sent = true;
      pendingStatus(p, '');
      p.el.classList.remove('msg-pending', 'msg-failed');
      if (p.confirmed) S.pending.splice(S.pending.indexOf(p), 1);
      hideError();
      applyReply(r, p);
      save();
      return;
    } catch (err) {
      dropDraft();
      if (!(err instanceof ApiError)) throw err;
      if (!S.conv || S.conv.id !== convID) continue; // replaced meanwhile: send it there
      if (err.status === 401) {
        if (S.conv.token) {
          p.confirmed = false;
          await lostConversation();
          continue;
        }
        pendingStatus(p, t('msg.waitingToken'), true);
        await askForToken();
        continue;
      }
      if (err.status === 404) {
        p.confirmed = false;
        await lostConversation();
        continue;
      }
      // 409: the first attempt's turn is still being answered; the retry gets its reply.
      if (err.retriable || err.code === 'interrupted' || (err.status === 409 && attempt < 20)) {
        pendingStatus(p, t('msg.retrying'), true);
        showConn(err.status === 0 ? t('conn.reconnectingNow') : errorMessage(err));
        await sleep(err.retryAfter ? err.retryAfter * 1000 : backoff(attempt));
        continue;
      }
      // Refused for good (too long, bad text): give the text back to edit.
      p.el.remove();
      S.pending.splice(S.pending.indexOf(p), 1);
      ui.input.value = ui.input.value ? p.text + '\n' + ui.input.value : p.text;
      saveDraftText();
      save();
      showError(errorMessage(err));
      return;
    }
  }
}

function applyReply(r, p) {
  if (!r) return;
  if (r.user_message) addMessage(r.user_message);
  if (r.message) {
    // The user's message is stored just before the reply: it sorts there until its own
    // event replaces it.
    if (!p.confirmed) {
      p.el.dataset.seq = String(r.message.seq - 0.5);
      p.el.remove();
      insertBySeq(p.el, r.message.seq - 0.5);
    }
    const sugg = r.suggestions && r.suggestions.length ? r.suggestions : r.message.suggestions;
    addMessage({ ...r.message, suggestions: sugg });
    // The event stream may have shown this reply first, from the store, which need not keep
    // the suggestions.
    const el = S.byseq.get(r.message.seq);
    if (el && !el.querySelector('.chips') && Array.isArray(sugg) && sugg.length) el.insertBefore(chipsEl(sugg), el.querySelector('.msg-meta'));
  }
  if (r.ticket && r.ticket.number) {
    S.ticket = { ...(S.ticket && S.ticket.number === r.ticket.number ? S.ticket : {}), ...r.ticket };
    save();
  }
  if (r.state) setState(r.state);
  hideConn();
}

// ---- the streamed draft ----

function startDraft() {
  dropDraft();
  const bubble = h('div', { class: 'bubble' }, h('span', { class: 'typing' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('chat.thinking')));
  const el = h('div', { class: 'msg msg-bot msg-streaming', 'aria-hidden': 'true' }, bubble);
  appendToLog(el);
  S.draft = { el, bubble, text: '' };
  scrollDown();
}

function growDraft(delta) {
  if (!S.draft) return;
  S.draft.text += delta;
  S.draft.bubble.textContent = S.draft.text;
  scrollDown();
}

function dropDraft() {
  if (S.draft) S.draft.el.remove();
  S.draft = null;
}

// ---- the host app's token ----

// askForToken asks the host page for a fresh token (widget.js calls its getToken) and
// resolves when one arrives.
function askForToken() {
  if (!S.waitToken) {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    S.waitToken = { promise, resolve };
    if (embedded) window.parent.postMessage({ type: 'faqbot:token-expired' }, '*');
  }
  return S.waitToken.promise;
}

function tokenArrived(token) {
  S.userToken = token;
  hideConn();
  hideError();
  if (S.waitToken) {
    S.waitToken.resolve();
    S.waitToken = null;
  }
}

// ---- small helpers ----

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function backoff(attempt) {
  return Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2);
}

function showConn(text) {
  ui.conn.textContent = text;
  ui.conn.hidden = false;
}

function hideConn() {
  ui.conn.hidden = true;
}

function showError(text) {
  clear(ui.error).append(h('span', { text }), h('button', { type: 'button', class: 'btn btn-small btn-ghost', text: t('common.dismiss'), onclick: hideError }));
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
}

function showNotice(text) {
  appendToLog(h('div', { class: 'msg msg-system msg-notice', role: 'status' }, h('div', { class: 'bubble', text })));
  scrollDown();
}

// scrollDown follows the conversation unless the user scrolled up to read (or force).
function scrollDown(force = false) {
  const log = ui.log;
  if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 160 || S.sending) log.scrollTop = log.scrollHeight;
}

function renderStarters() {
  clear(ui.starters);
  for (const s of STARTERS[getLang()] || []) ui.starters.append(h('button', { type: 'button', class: 'chip', text: s, onclick: () => sendText(s) }));
}

// ---- wiring ----

ui.compose.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.input.value;
  if (!text.trim()) return;
  ui.input.value = '';
  saveDraftText();
  sendText(text);
  ui.input.focus();
});
ui.input.addEventListener('keydown', (e) => {
  // Enter sends, Shift+Enter breaks the line; never while an IME is composing (Chinese input
  // confirms its candidates with Enter).
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    ui.compose.requestSubmit();
  }
});
ui.input.addEventListener('input', saveDraftText);
ui.human.addEventListener('click', requestHuman);
ui.ratingForm.addEventListener('submit', submitRating);
ui.ratingSkip.addEventListener('click', () => {
  ui.rating.hidden = true;
});
ui.close.addEventListener('click', () => window.parent.postMessage({ type: 'faqbot:close' }, '*'));
document.addEventListener('keydown', (e) => {
  // Escape closes a floating widget (widget.js gives the focus back to its launcher).
  if (e.key === 'Escape' && !ui.close.hidden) window.parent.postMessage({ type: 'faqbot:close' }, '*');
});

// The host page (widget.js) talks to us by postMessage, only as our parent window.
let started = false;
window.addEventListener('message', (e) => {
  if (e.source !== window.parent || !e.data || typeof e.data !== 'object') return;
  const d = e.data;
  if (d.type === 'faqbot:init' && !started) {
    started = true;
    start({ token: typeof d.token === 'string' ? d.token : '', lang: typeof d.lang === 'string' ? d.lang : '', closable: d.closable === true });
  } else if (d.type === 'faqbot:token' && typeof d.token === 'string' && d.token) {
    tokenArrived(d.token);
  } else if (d.type === 'faqbot:lang' && typeof d.lang === 'string') {
    setLang(d.lang);
  } else if (d.type === 'faqbot:focus') {
    ui.input.focus();
  }
});

if (embedded) {
  window.parent.postMessage({ type: 'faqbot:ready' }, '*');
  // Framed without widget.js: chat anonymously after a moment.
  setTimeout(() => {
    if (!started) {
      started = true;
      start({});
    }
  }, 3000);
} else {
  started = true;
  start({ lang: new URLSearchParams(location.search).get('lang') || '' });
}
