// agent: the agent console (/agent). Queues with counts and SLA timers, claim next, the
// ticket with its transcript, mood trail, trigger, summary and the bot's candidate answers,
// reply / transfer / resolve, "save as article", and live updates from /v1/agent/events.
//
// Every piece of user, bot and article text is set as text (or the safe Markdown subset of
// render.js for the bot's answers); nothing is ever parsed as HTML.

import { t, register, getLang, onLangChange } from './i18n.js';
import { errorMessage } from './api.js';
import { h, clear, renderMarkdown, formatTime, notice } from './render.js';
import { startStaffPage, drafts, debounce, showFieldError, clearFieldErrors } from './staff.js';

register({
  en: {
    'agent.title': 'Agent console',
    'agent.signinTitle': 'Sign in to the agent console',
    'agent.tokenLabel': 'Agent token',
    'agent.signedInAs': 'Signed in as {name}',
    'agent.queues': 'Queues',
    'agent.allQueues': 'All queues',
    'agent.refresh': 'Refresh',
    'agent.claim': 'Claim next',
    'agent.claimFrom': 'Claims from: {queue}',
    'agent.claiming': 'Claiming…',
    'agent.claimed': 'You have ticket {number}.',
    'agent.noneWaiting': 'No ticket is waiting in {queue}.',
    'agent.tickets': 'Open tickets',
    'agent.noTickets': 'No open tickets here.',
    'agent.empty': 'Claim the next ticket, or pick one from the list.',
    'agent.waiting': '{count} waiting',
    'agent.overdueCount': '{count} overdue',
    'agent.dueIn': 'reply within {time}',
    'agent.overdue': 'overdue by {time}',
    'agent.breached': 'SLA breached',
    'agent.answered': 'answered',
    'agent.assignedTo': 'Assigned to {name}',
    'agent.unassigned': 'Waiting in the queue: not assigned yet',
    'agent.resolvedAt': 'Resolved {time}',
    'agent.facts': 'About this ticket',
    'agent.trigger': 'Why a human',
    'agent.question': 'Question',
    'agent.summary': 'Summary',
    'agent.sentiment': 'Mood',
    'agent.noTrail': 'No mood recorded.',
    'agent.transcript': 'Conversation',
    'agent.reply': 'Reply to the user',
    'agent.replyHint': 'Ctrl+Enter sends. Your draft is kept if anything goes wrong.',
    'agent.replyEmpty': 'Write a reply first.',
    'agent.sent': 'Sent.',
    'agent.closedNote': 'This ticket is {status}: replies and changes are closed.',
    'agent.actions': 'Actions',
    'agent.transferTo': 'Transfer to',
    'agent.transfer': 'Transfer',
    'agent.transferred': 'Ticket {number} moved to {queue}.',
    'agent.resolve': 'Resolve',
    'agent.resolveAsk': 'Resolve this ticket? The user will be asked for a rating.',
    'agent.resolveYes': 'Yes, resolve',
    'agent.resolved': 'Ticket {number} is resolved; the user is asked for a rating.',
    'agent.saveArticle': 'Save as article',
    'agent.articleTitle': 'A draft article for the editors',
    'agent.saveDraft': 'Save draft',
    'agent.articleSaved': 'Saved as draft article #{id}; an editor will review it.',
    'agent.openInKb': 'Open in the knowledge editor',
    'agent.candidates': 'Suggested answers',
    'agent.noCandidates': 'The knowledge base has nothing close.',
    'agent.useAnswer': 'Use as reply',
    'agent.score': 'match {value}%',
    'agent.confidence': 'confidence {value}%',
    'agent.history': 'History',
    'agent.live': 'Live',
    'agent.liveOff': 'Live updates are off: the list refreshes every {seconds} s.',
    'agent.notFound': 'Ticket {number} does not exist or is not in your queues.',
    'agent.by': 'by {name}',
    'role.user': 'User',
    'role.bot': 'Bot',
    'role.agent': 'Agent',
    'role.system': 'System',
    'status.queued': 'queued',
    'status.assigned': 'assigned',
    'status.resolved': 'resolved',
    'status.closed': 'closed',
    'mood.positive': 'positive',
    'mood.neutral': 'neutral',
    'mood.negative': 'negative',
    'mood.angry': 'angry',
    'trigger.user_request': 'The user asked for a human.',
    'trigger.angry': 'The user is angry.',
    'trigger.worsening_sentiment': 'The mood got worse over the chat.',
    'trigger.low_confidence': 'The bot was unsure twice in a row.',
    'trigger.high_risk': 'A high-risk topic (account, fraud, money, safety).',
    'queue.account': 'Account',
    'queue.payment': 'Payment',
    'queue.content': 'Content',
    'queue.live': 'Live streaming',
    'queue.ads': 'Ads',
    'queue.tech': 'Tech',
    'queue.general': 'General',
    'queue.senior': 'Senior',
    'event.created': 'created',
    'event.escalated': 'priority raised',
    'event.claimed': 'claimed',
    'event.replied': 'replied',
    'event.transferred': 'transferred',
    'event.released': 'back to the queue',
    'event.breached': 'SLA breached',
    'event.resolved': 'resolved',
    'event.rated': 'rated',
    'event.closed': 'closed',
  },
  zh: {
    'agent.title': '客服工作台',
    'agent.signinTitle': '登录客服工作台',
    'agent.tokenLabel': '客服令牌',
    'agent.signedInAs': '当前登录：{name}',
    'agent.queues': '队列',
    'agent.allQueues': '全部队列',
    'agent.refresh': '刷新',
    'agent.claim': '领取下一个',
    'agent.claimFrom': '从此领取：{queue}',
    'agent.claiming': '正在领取…',
    'agent.claimed': '你已领取工单 {number}。',
    'agent.noneWaiting': '{queue}中没有等待的工单。',
    'agent.tickets': '未结工单',
    'agent.noTickets': '这里没有未结工单。',
    'agent.empty': '领取下一个工单，或从列表中选择一个。',
    'agent.waiting': '{count} 个等待中',
    'agent.overdueCount': '{count} 个已超时',
    'agent.dueIn': '{time} 内回复',
    'agent.overdue': '已超时 {time}',
    'agent.breached': '已超出 SLA',
    'agent.answered': '已回复',
    'agent.assignedTo': '处理人：{name}',
    'agent.unassigned': '排队中：尚未分配',
    'agent.resolvedAt': '解决于 {time}',
    'agent.facts': '工单信息',
    'agent.trigger': '转人工原因',
    'agent.question': '问题',
    'agent.summary': '摘要',
    'agent.sentiment': '情绪',
    'agent.noTrail': '没有情绪记录。',
    'agent.transcript': '对话记录',
    'agent.reply': '回复用户',
    'agent.replyHint': 'Ctrl+Enter 发送。出错时草稿会保留。',
    'agent.replyEmpty': '请先填写回复内容。',
    'agent.sent': '已发送。',
    'agent.closedNote': '此工单已{status}：不能再回复或修改。',
    'agent.actions': '操作',
    'agent.transferTo': '转接到',
    'agent.transfer': '转接',
    'agent.transferred': '工单 {number} 已转到{queue}。',
    'agent.resolve': '解决',
    'agent.resolveAsk': '确认解决此工单？系统会请用户评分。',
    'agent.resolveYes': '确认解决',
    'agent.resolved': '工单 {number} 已解决，已请用户评分。',
    'agent.saveArticle': '存为文章',
    'agent.articleTitle': '给编辑审核的文章草稿',
    'agent.saveDraft': '保存草稿',
    'agent.articleSaved': '已存为草稿文章 #{id}，等待编辑审核。',
    'agent.openInKb': '在知识库编辑器中打开',
    'agent.candidates': '建议答案',
    'agent.noCandidates': '知识库中没有相近的答案。',
    'agent.useAnswer': '用作回复',
    'agent.score': '匹配度 {value}%',
    'agent.confidence': '置信度 {value}%',
    'agent.history': '处理记录',
    'agent.live': '实时',
    'agent.liveOff': '实时更新已关闭：列表每 {seconds} 秒刷新一次。',
    'agent.notFound': '工单 {number} 不存在，或不在你负责的队列中。',
    'agent.by': '操作人：{name}',
    'role.user': '用户',
    'role.bot': '机器人',
    'role.agent': '客服',
    'role.system': '系统',
    'status.queued': '排队中',
    'status.assigned': '处理中',
    'status.resolved': '已解决',
    'status.closed': '已关闭',
    'mood.positive': '积极',
    'mood.neutral': '平静',
    'mood.negative': '不满',
    'mood.angry': '愤怒',
    'trigger.user_request': '用户要求转人工。',
    'trigger.angry': '用户情绪激动。',
    'trigger.worsening_sentiment': '对话中用户情绪持续变差。',
    'trigger.low_confidence': '机器人连续两次没有把握。',
    'trigger.high_risk': '高风险问题（账号、诈骗、资金、人身安全）。',
    'queue.account': '账号',
    'queue.payment': '支付',
    'queue.content': '内容',
    'queue.live': '直播',
    'queue.ads': '广告',
    'queue.tech': '技术',
    'queue.general': '综合',
    'queue.senior': '高级',
    'event.created': '创建',
    'event.escalated': '优先级提升',
    'event.claimed': '领取',
    'event.replied': '回复',
    'event.transferred': '转接',
    'event.released': '退回队列',
    'event.breached': '超出 SLA',
    'event.resolved': '解决',
    'event.rated': '评分',
    'event.closed': '关闭',
  },
});

// The deployment's default queues (DESIGN §3), for a server without GET /v1/me; queues seen
// on tickets are added to them.
const QUEUES = ['account', 'payment', 'content', 'live', 'ads', 'tech', 'general', 'senior'];
const MAX_PAGES = 5; // up to 1,000 open tickets are counted
const POLL_MS = 15000; // list refresh while the live stream is down
const SAFETY_MS = 60000; // and while it is up, in case an event was missed
const RETRY_MS = 2000; // a failed load that may work again is retried this soon
const QUEUE_KEY = 'faqbot.agent.queue';

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

const state = {
  // me is what GET /v1/me said about the token; null until it answers, or on an older server.
  me: null,
  meSeq: 0,
  tickets: [],
  queue: readQueue(),
  number: '',
  view: null,
  suggestions: [],
  stream: null,
  live: false,
  listSeq: 0,
  viewSeq: 0,
  replyFor: '',
};

const session = startStaffPage({
  role: 'agent',
  storageKey: 'faqbot.agent.token',
  probe: (client) => client.get('/v1/tickets?limit=1'),
  onSignedIn,
  onSignedOut,
});
const api = session.client;

function readQueue() {
  try {
    return sessionStorage.getItem(QUEUE_KEY) || '';
  } catch {
    return '';
  }
}

function onSignedIn({ again }) {
  if (state.stream) state.stream.resume();
  else startStream();
  loadMe();
  loadTickets();
  if (again && state.number) loadTicket({ quiet: true });
  if (!again) route();
}

function onSignedOut() {
  if (state.stream) state.stream.close();
  state.meSeq++;
  Object.assign(state, { me: null, stream: null, live: false, tickets: [], number: '', view: null, suggestions: [], replyFor: '' });
  renderMe();
  $('reply').value = '';
  $('ticket').hidden = true;
  $('empty').hidden = false;
  clear($('tickets'));
  clear($('queues'));
  $('conn').hidden = true;
}

// ---- who is signed in ----

// loadMe asks the server who the token is, for the name in the header and the queues the
// agent may work. When it cannot say (an older server), the default queues stay.
async function loadMe() {
  const seq = ++state.meSeq;
  let me = null;
  try {
    me = await api.get('/v1/me');
  } catch (err) {
    if (seq !== state.meSeq) return;
    if (err.retriable) setTimeout(() => seq === state.meSeq && loadMe(), RETRY_MS);
  }
  if (seq !== state.meSeq) return;
  state.me = me && Array.isArray(me.queues) ? me : null;
  renderMe();
  renderQueues();
  renderList();
}

function renderMe() {
  const el = $('me');
  el.textContent = state.me && state.me.name ? t('agent.signedInAs', { name: state.me.name }) : '';
  el.hidden = !el.textContent;
}

// ---- the list and the queues ----

async function loadTickets() {
  const seq = ++state.listSeq;
  const items = [];
  let cursor = '';
  try {
    for (let i = 0; i < MAX_PAGES; i++) {
      const q = new URLSearchParams({ limit: '200' });
      if (cursor) q.set('cursor', cursor);
      const page = await api.get(`/v1/tickets?${q}`);
      items.push(...((page && page.items) || []));
      cursor = page && page.next_cursor;
      if (!cursor) break;
    }
  } catch (err) {
    if (seq !== state.listSeq) return;
    session.trouble(err);
    // A restart or a busy server: try again soon rather than at the next poll.
    if (err.retriable) setTimeout(() => seq === state.listSeq && loadTickets(), RETRY_MS);
    return;
  }
  if (seq !== state.listSeq) return;
  session.ok();
  state.tickets = items;
  renderQueues();
  renderList();
}
const refreshSoon = debounce(loadTickets, 250);

const dueOf = (tk) => tk.due_at || tk.sla_due_at || '';
const assigneeOf = (tk) => tk.assigned_to || tk.assignee || '';
const isOpen = (tk) => tk.status === 'queued' || tk.status === 'assigned';
const queueName = (q) => (q ? t(`queue.${q}`) : t('agent.allQueues'));
const queueLabel = (q) => {
  const s = t(`queue.${q}`);
  return s === `queue.${q}` ? q : s; // a queue the deployment added: its own name
};
const statusLabel = (s) => t(`status.${s}`);

// slaBadge is the ticket's first-response timer; tick() keeps its text current.
function slaBadge(tk) {
  if (!isOpen(tk) || !dueOf(tk)) return null;
  if (tk.first_response_at) return h('span', { class: 'badge badge-success sla', text: t('agent.answered') });
  return h('span', { class: 'badge sla', dataset: { due: dueOf(tk), breached: tk.breached ? '1' : '' } });
}

function priorityBadge(p) {
  const kind = p === 'P1' ? 'badge-error' : p === 'P2' ? 'badge-warn' : '';
  return h('span', { class: `badge ${kind}`, text: p || '' });
}

// queueNames are the queue tabs: exactly the agent's queues when the server said which, else
// the default queues and those seen on tickets.
function queueNames() {
  if (state.me) return state.me.queues;
  return [...new Set([...QUEUES, ...state.tickets.map((tk) => tk.queue).filter(Boolean)])];
}

function renderQueues() {
  const names = queueNames();
  // A queue remembered in this tab that the token may not work (another agent's, say).
  if (state.me && state.queue && !names.includes(state.queue)) state.queue = '';
  const now = Date.now();
  const stats = (q) => {
    const mine = state.tickets.filter((tk) => !q || tk.queue === q);
    const waiting = mine.filter((tk) => tk.status === 'queued').length;
    const unanswered = mine.filter((tk) => isOpen(tk) && !tk.first_response_at && dueOf(tk));
    const overdue = unanswered.filter((tk) => tk.breached || Date.parse(dueOf(tk)) < now).length;
    const next = unanswered.sort((a, b) => Date.parse(dueOf(a)) - Date.parse(dueOf(b)))[0];
    return { waiting, overdue, next };
  };
  const list = $('queues');
  clear(list);
  for (const q of ['', ...names]) {
    const s = stats(q);
    const selected = state.queue === q;
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          { type: 'button', class: `queue${s.overdue ? ' queue-overdue' : ''}`, 'aria-pressed': String(selected), dataset: { queue: q }, onclick: () => pickQueue(q) },
          h('span', { class: 'queue-name', text: q ? queueLabel(q) : t('agent.allQueues') }),
          h('span', { class: 'badge badge-accent', text: t('agent.waiting', { count: s.waiting }) }),
          s.overdue ? h('span', { class: 'badge badge-error', text: t('agent.overdueCount', { count: s.overdue }) }) : null,
          s.next ? slaBadge(s.next) : null,
        ),
      ),
    );
  }
  $('claim-note').textContent = t('agent.claimFrom', { queue: state.queue ? queueLabel(state.queue) : t('agent.allQueues') });
  tick();
}

function pickQueue(q) {
  state.queue = q;
  try {
    sessionStorage.setItem(QUEUE_KEY, q);
  } catch {
    // remembered for this page only
  }
  renderQueues();
  renderList();
}

function renderList() {
  const list = $('tickets');
  clear(list);
  const shown = state.tickets.filter((tk) => !state.queue || tk.queue === state.queue);
  if (!shown.length) {
    list.append(h('li', { class: 'muted small', text: t('agent.noTickets') }));
    return;
  }
  for (const tk of shown) {
    const current = tk.number === state.number;
    list.append(
      h(
        'li',
        {},
        h(
          'a',
          { class: 'ticket-row', href: `#ticket/${enc(tk.number)}`, 'aria-current': current ? 'true' : null, dataset: { number: tk.number } },
          h('span', { class: 'row-top' }, h('span', { class: 'number', text: tk.number }), priorityBadge(tk.priority), h('span', { class: 'badge', text: statusLabel(tk.status) })),
          tk.question ? h('span', { class: 'row-question', text: clip(tk.question, 90) }) : null,
          h('span', { class: 'row-bottom small muted' }, h('span', { text: queueLabel(tk.queue) }), assigneeOf(tk) ? h('span', { text: assigneeOf(tk) }) : null, slaBadge(tk)),
        ),
      ),
    );
  }
  tick();
}

function clip(s, n) {
  const chars = Array.from(String(s));
  return chars.length > n ? `${chars.slice(0, n - 1).join('')}…` : chars.join('');
}

// clock formats seconds as m:ss or h:mm:ss.
function clock(secs) {
  const s = Math.abs(secs);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

// tick updates every SLA timer on the page: it turns amber in the last minute and red once
// the due time has passed (or the server marked the ticket breached).
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('.sla[data-due]')) {
    const due = Date.parse(el.dataset.due);
    if (Number.isNaN(due)) continue;
    const secs = Math.round((due - now) / 1000);
    const late = secs < 0;
    el.textContent = late ? t('agent.overdue', { time: clock(secs) }) : t('agent.dueIn', { time: clock(secs) });
    if (el.dataset.breached && !late) el.textContent += ` · ${t('agent.breached')}`;
    el.classList.toggle('badge-error', late || Boolean(el.dataset.breached));
    el.classList.toggle('badge-warn', !late && !el.dataset.breached && secs <= 60);
  }
}
setInterval(tick, 1000);

// ---- claiming ----

async function claim() {
  const btn = $('claim');
  const note = $('claim-note');
  btn.disabled = true;
  note.textContent = t('agent.claiming');
  try {
    const tk = await api.post('/v1/tickets/claim', state.queue ? { queues: [state.queue] } : {});
    session.ok();
    if (!tk) {
      note.textContent = t('agent.noneWaiting', { queue: queueName(state.queue) });
    } else {
      note.textContent = t('agent.claimed', { number: tk.number });
      show(tk.number);
    }
    loadTickets();
  } catch (err) {
    note.textContent = errorMessage(err);
    session.trouble(err);
  } finally {
    btn.disabled = false;
  }
}

// ---- one ticket ----

function route() {
  const m = /^#ticket\/(.+)$/.exec(location.hash);
  if (!m) return;
  const number = decodeURIComponent(m[1]);
  if (number !== state.number || !state.view) openTicket(number);
}

function show(number) {
  const hash = `#ticket/${enc(number)}`;
  if (location.hash === hash) openTicket(number);
  else location.hash = hash; // route() opens it, and the back button works
}

function openTicket(number) {
  state.number = number;
  state.view = null;
  state.suggestions = [];
  $('empty').hidden = true;
  $('ticket').hidden = false;
  $('t-number').textContent = number;
  clear($('t-notes'));
  closeConfirm();
  for (const id of ['reply-out', 'actions-out', 'article-out']) clear($(id));
  restoreReply(number);
  hideArticleForm();
  for (const el of document.querySelectorAll('.ticket-row')) el.toggleAttribute('aria-current', el.dataset.number === number);
  loadTicket();
}

async function loadTicket({ quiet = false } = {}) {
  const number = state.number;
  if (!number) return;
  const seq = ++state.viewSeq;
  if (!quiet) $('ticket').setAttribute('aria-busy', 'true');
  try {
    const [view, sugg] = await Promise.all([
      api.get(`/v1/tickets/${enc(number)}`),
      // Suggestions are extra help: the ticket shows without them.
      api.get(`/v1/tickets/${enc(number)}/suggestions`).catch(() => null),
    ]);
    if (seq !== state.viewSeq) return;
    session.ok();
    state.view = view;
    state.suggestions = (sugg && (sugg.items || sugg.suggestions || sugg.candidates)) || [];
    renderTicket();
  } catch (err) {
    if (seq !== state.viewSeq) return;
    session.trouble(err);
    if (err.retriable) setTimeout(() => seq === state.viewSeq && loadTicket({ quiet: true }), RETRY_MS);
    const notes = clear($('t-notes'));
    notice(notes, err.status === 404 ? t('agent.notFound', { number }) : errorMessage(err), { kind: 'error' });
  } finally {
    if (seq === state.viewSeq) $('ticket').removeAttribute('aria-busy');
  }
}
const ticketSoon = debounce(() => loadTicket({ quiet: true }), 250);

function renderTicket() {
  const tk = state.view;
  if (!tk) return;
  $('t-number').textContent = tk.number;
  $('t-priority').replaceWith(Object.assign(priorityBadge(tk.priority), { id: 't-priority' }));
  $('t-status').textContent = statusLabel(tk.status);
  $('t-queue').textContent = queueLabel(tk.queue);
  const sla = slaBadge(tk) || h('span', { class: 'badge sla', hidden: true });
  sla.id = 't-sla';
  $('t-sla').replaceWith(sla);

  const assignee = assigneeOf(tk);
  $('t-assignee').textContent =
    tk.status === 'resolved' || tk.status === 'closed'
      ? t('agent.resolvedAt', { time: formatTime(tk.resolved_at || tk.updated_at, getLang()) })
      : assignee
        ? t('agent.assignedTo', { name: assignee })
        : t('agent.unassigned');

  const trigger = $('t-trigger');
  clear(trigger);
  const label = tk.trigger ? t(`trigger.${tk.trigger}`) : '';
  if (label && label !== `trigger.${tk.trigger}`) trigger.append(h('strong', { text: label }), ' ');
  if (tk.reason) trigger.append(h('span', { class: 'muted', text: tk.reason }));
  $('t-question').textContent = tk.question || '';
  $('t-summary').textContent = tk.summary || '';
  renderTrail(tk.sentiment_trail || []);
  renderTranscript(tk.transcript || []);
  renderCandidates();
  renderHistory(tk.events || []);
  renderTransferOptions(tk.queue);

  const closed = !isOpen(tk);
  for (const id of ['reply', 'send', 'resolve', 'transfer-queue']) $(id).disabled = closed;
  $('transfer-form').querySelector('button').disabled = closed;
  const notes = clear($('t-notes'));
  if (closed) notice(notes, t('agent.closedNote', { status: statusLabel(tk.status) }), { kind: 'info' });
  tick();
}

function moodBadge(s) {
  const kind = { positive: 'badge-success', negative: 'badge-warn', angry: 'badge-error' }[s.label] || '';
  const score = typeof s.score === 'number' ? ` ${s.score.toFixed(2)}` : '';
  return h('span', { class: `badge mood ${kind}`, text: `${t(`mood.${s.label}`)}${score}` });
}

function renderTrail(trail) {
  const ol = clear($('t-trail'));
  if (!trail.length) {
    ol.append(h('li', { class: 'muted small', text: t('agent.noTrail') }));
    return;
  }
  for (const p of trail) {
    const li = h('li', { title: p.at ? formatTime(p.at, getLang()) : null }, moodBadge(p));
    ol.append(li);
  }
}

function renderTranscript(messages) {
  const ol = $('transcript');
  const nearBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 80;
  const before = ol.childElementCount;
  clear(ol);
  for (const m of messages) {
    const who = m.role === 'agent' ? m.author || t('role.agent') : t(`role.${m.role}`);
    const body = m.role === 'bot' ? h('div', { class: 'msg-text md' }, renderMarkdown(m.text)) : h('div', { class: 'msg-text plain', text: m.text });
    ol.append(
      h(
        'li',
        { class: `msg msg-${m.role}`, dataset: { seq: String(m.seq || '') } },
        h(
          'div',
          { class: 'msg-meta small' },
          h('span', { class: 'who', text: who }),
          m.created_at ? h('time', { datetime: m.created_at, class: 'muted', text: formatTime(m.created_at, getLang()) }) : null,
          m.role === 'user' && m.sentiment ? moodBadge(m.sentiment) : null,
          m.role === 'bot' && typeof m.confidence === 'number' ? h('span', { class: 'muted', text: t('agent.confidence', { value: pct(m.confidence) }) }) : null,
        ),
        body,
      ),
    );
  }
  if (nearBottom || before === 0 || ol.childElementCount > before) ol.scrollTop = ol.scrollHeight;
}

const pct = (x) => Math.round(Math.max(0, Math.min(1, Number(x) || 0)) * 100);

// candidates merges the bot's candidates stored on the ticket with fresh suggestions, best
// first, without repeating an article.
function candidates() {
  const seen = new Set();
  const out = [];
  for (const c of [...state.suggestions, ...((state.view && state.view.candidates) || [])]) {
    const key = c.article_id || c.title;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out.sort((a, b) => (b.score || 0) - (a.score || 0)).slice(0, 5);
}

function renderCandidates() {
  const ol = clear($('candidates'));
  const list = candidates();
  if (!list.length) {
    ol.append(h('li', { class: 'muted small', text: t('agent.noCandidates') }));
    return;
  }
  const closed = !isOpen(state.view);
  for (const c of list) {
    ol.append(
      h(
        'li',
        { class: 'cand' },
        h('div', { class: 'cand-head' }, h('strong', { text: c.title || c.question || `#${c.article_id}` }), typeof c.score === 'number' ? h('span', { class: 'badge', text: t('agent.score', { value: pct(c.score) }) }) : null),
        c.answer ? h('div', { class: 'cand-answer md small' }, renderMarkdown(c.answer)) : null,
        c.answer ? h('button', { type: 'button', class: 'btn btn-small use-answer', disabled: closed, onclick: () => useAnswer(c.answer) }, t('agent.useAnswer')) : null,
      ),
    );
  }
}

function renderHistory(events) {
  const ol = clear($('history'));
  for (const ev of events) {
    const kind = ev.kind || ev.type || '';
    const label = t(`event.${kind}`);
    ol.append(
      h(
        'li',
        {},
        h('time', { class: 'muted', datetime: ev.at || ev.created_at || '', text: formatTime(ev.at || ev.created_at, getLang()) }),
        ' ',
        h('span', { text: label === `event.${kind}` ? kind : label }),
        ev.actor ? h('span', { class: 'muted', text: ` · ${ev.actor}` }) : null,
      ),
    );
  }
}

function renderTransferOptions(current) {
  const sel = $('transfer-queue');
  const chosen = sel.value;
  clear(sel);
  const names = [...new Set([...QUEUES, ...state.tickets.map((tk) => tk.queue).filter(Boolean)])].filter((q) => q !== current);
  for (const q of names) sel.append(h('option', { value: q, text: queueLabel(q) }));
  if (names.includes(chosen)) sel.value = chosen;
}

// ---- replying ----

function restoreReply(number) {
  state.replyFor = number;
  $('reply').value = drafts.get(`reply.${number}`) || '';
}

function keepReply() {
  if (!state.replyFor) return;
  const v = $('reply').value;
  if (v) drafts.set(`reply.${state.replyFor}`, v);
  else drafts.remove(`reply.${state.replyFor}`);
}

// plainText turns an article's Markdown into the plain text an agent's reply is: the chat
// shows agents' messages as text, where "**" and "[a](b)" would only be noise.
function plainText(md) {
  return String(md || '')
    .replace(/\r\n?/g, '\n')
    .replace(/^\s*```.*$/gm, '')
    .replace(/!\[([^\]\n]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)[^)]*\)/g, '$1 ($2)')
    .replace(/\*\*([^*\n]+)\*\*|__([^_\n]+)__/g, (m, a, b) => a || b)
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// useAnswer puts a candidate's answer into the reply box, after whatever is typed there.
function useAnswer(answer) {
  answer = plainText(answer);
  const ta = $('reply');
  ta.value = ta.value.trim() ? `${ta.value.replace(/\s+$/, '')}\n\n${answer}` : answer;
  keepReply();
  ta.focus();
  ta.setSelectionRange(ta.value.length, ta.value.length);
}

async function sendReply(e) {
  e.preventDefault();
  const form = $('reply-form');
  const ta = $('reply');
  const out = clear($('reply-out'));
  clearFieldErrors(form);
  const number = state.number;
  const text = ta.value;
  if (!text.trim()) {
    showFieldError(form, { field: 'text' }, t('agent.replyEmpty'));
    return;
  }
  $('send').disabled = true;
  try {
    await api.post(`/v1/tickets/${enc(number)}/messages`, { text });
    session.ok();
    // What was typed while the reply was on its way stays.
    if (state.replyFor === number && ta.value === text) ta.value = '';
    if (state.replyFor === number) keepReply();
    else drafts.remove(`reply.${number}`);
    notice(out, t('agent.sent'), { kind: 'success', timeoutMs: 3000 });
    loadTicket({ quiet: true });
    refreshSoon();
  } catch (err) {
    session.trouble(err);
    if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  } finally {
    $('send').disabled = !state.view || !isOpen(state.view);
  }
}

// ---- transfer, resolve ----

async function transfer(e) {
  e.preventDefault();
  const queue = $('transfer-queue').value;
  const number = state.number;
  const out = clear($('actions-out'));
  if (!queue || !number) return;
  try {
    await api.post(`/v1/tickets/${enc(number)}/transfer`, { queue });
    session.ok();
    notice(out, t('agent.transferred', { number, queue: queueLabel(queue) }), { kind: 'success' });
    loadTicket({ quiet: true });
    refreshSoon();
  } catch (err) {
    session.trouble(err);
    notice(out, errorMessage(err), { kind: 'error' });
  }
}

function openConfirm() {
  $('resolve').hidden = true;
  $('resolve-confirm').hidden = false;
  $('resolve-yes').focus();
}

function closeConfirm() {
  $('resolve-confirm').hidden = true;
  $('resolve').hidden = false;
}

async function resolve() {
  const number = state.number;
  const out = clear($('actions-out'));
  closeConfirm();
  try {
    await api.post(`/v1/tickets/${enc(number)}/resolve`);
    session.ok();
    notice(out, t('agent.resolved', { number }), { kind: 'success' });
    loadTicket({ quiet: true });
    refreshSoon();
  } catch (err) {
    session.trouble(err);
    notice(out, errorMessage(err), { kind: 'error' });
  }
  $('resolve').focus();
}

// ---- save as article ----

const ARTICLE_FIELDS = ['title', 'question', 'answer', 'category', 'language'];

function articleDraftKey() {
  return `ticket-article.${state.number}`;
}

function toggleArticleForm() {
  if (!$('article-form').hidden) {
    hideArticleForm();
    return;
  }
  const form = $('article-form');
  const tk = state.view || {};
  const saved = drafts.get(articleDraftKey());
  const lastAgent = [...(tk.transcript || [])].reverse().find((m) => m.role === 'agent');
  const initial = saved || {
    title: tk.question || '',
    question: tk.question || '',
    answer: $('reply').value.trim() || (lastAgent && lastAgent.text) || '',
    category: tk.category || '',
    language: tk.language === 'en' || tk.language === 'zh' ? tk.language : getLang(),
  };
  for (const f of ARTICLE_FIELDS) form.elements.namedItem(f).value = initial[f] || '';
  clearFieldErrors(form);
  clear($('article-out'));
  form.hidden = false;
  $('save-article').setAttribute('aria-expanded', 'true');
  form.elements.namedItem('title').focus();
}

function hideArticleForm() {
  $('article-form').hidden = true;
  $('save-article').setAttribute('aria-expanded', 'false');
}

function articleValues() {
  const form = $('article-form');
  return Object.fromEntries(ARTICLE_FIELDS.map((f) => [f, form.elements.namedItem(f).value]));
}

async function saveArticle(e) {
  e.preventDefault();
  const form = $('article-form');
  const out = clear($('article-out'));
  clearFieldErrors(form);
  const number = state.number;
  const values = articleValues();
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const a = await api.post(`/v1/tickets/${enc(number)}/article`, values);
    session.ok();
    drafts.remove(`ticket-article.${number}`);
    hideArticleForm();
    const done = clear($('actions-out'));
    notice(done, t('agent.articleSaved', { id: a.id }), { kind: 'success' });
    done.lastChild.append(h('a', { href: `/kb#article/${enc(a.id)}`, class: 'btn btn-small', text: t('agent.openInKb') }));
  } catch (err) {
    session.trouble(err);
    if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  } finally {
    submit.disabled = false;
  }
}

// ---- live updates ----

function startStream() {
  state.stream = api.subscribe('/v1/agent/events', {
    onEvent(ev) {
      refreshSoon();
      const d = ev.data || {};
      if (d.number && d.number === state.number) ticketSoon();
    },
    onStatus(status, info = {}) {
      const conn = $('conn');
      conn.hidden = false;
      conn.className = 'badge';
      const wasLive = state.live;
      state.live = status === 'open';
      switch (status) {
        case 'open':
          conn.classList.add('badge-success');
          conn.textContent = t('agent.live');
          session.ok();
          if (!wasLive) {
            // Whatever happened while the stream was down is read again.
            refreshSoon();
            if (state.number) ticketSoon();
          }
          break;
        case 'reconnecting':
          conn.classList.add('badge-warn');
          conn.textContent = t('conn.reconnecting', { seconds: Math.max(1, Math.round((info.delay || 0) / 1000)) });
          session.trouble(info.error);
          break;
        case 'failed':
          conn.classList.add('badge-warn');
          conn.textContent = t('agent.liveOff', { seconds: POLL_MS / 1000 });
          state.stream = null;
          break;
        case 'unauthorized':
          conn.classList.add('badge-warn');
          conn.textContent = t('conn.closed');
          session.askAgain();
          break;
        case 'closed':
          conn.hidden = true;
          break;
        default:
          conn.textContent = t('conn.connecting');
      }
    },
  });
}

let lastPoll = Date.now();
setInterval(() => {
  if (!session.token() || $('app').hidden) return;
  const every = state.live ? SAFETY_MS : POLL_MS;
  if (Date.now() - lastPoll < every) return;
  lastPoll = Date.now();
  loadTickets();
  if (state.number) loadTicket({ quiet: true });
}, 1000);

// ---- wiring ----

$('claim').addEventListener('click', claim);
$('refresh').addEventListener('click', () => {
  loadTickets();
  if (state.number) loadTicket({ quiet: true });
});
$('reply-form').addEventListener('submit', sendReply);
$('reply').addEventListener('input', keepReply);
$('reply').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $('reply-form').requestSubmit();
  }
});
$('transfer-form').addEventListener('submit', transfer);
$('resolve').addEventListener('click', openConfirm);
$('resolve-no').addEventListener('click', () => {
  closeConfirm();
  $('resolve').focus();
});
$('resolve-yes').addEventListener('click', resolve);
$('resolve-confirm').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    closeConfirm();
    $('resolve').focus();
  }
});
$('save-article').addEventListener('click', toggleArticleForm);
$('article-cancel').addEventListener('click', hideArticleForm);
$('article-form').addEventListener('submit', saveArticle);
$('article-form').addEventListener('input', () => drafts.set(articleDraftKey(), articleValues()));
window.addEventListener('hashchange', route);
document.addEventListener('keydown', (e) => {
  if (e.altKey && (e.key === 'n' || e.key === 'N') && !$('app').hidden) {
    e.preventDefault();
    claim();
  }
});
onLangChange(() => {
  renderMe();
  renderQueues();
  renderList();
  renderTicket();
});
