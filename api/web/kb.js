// kb: the knowledge editor (/kb). Articles listed, searched and filtered; created and edited
// with the version check (a stale save shows both sides and loses nothing); a file import
// with upload progress and the per-row report; "try a question"; the knowledge gaps, each of
// which can start a new article.
//
// Article text is shown as text, or through render.js's safe Markdown subset in the preview;
// nothing is ever parsed as HTML.

import { t, register, getLang, onLangChange } from './i18n.js';
import { ApiError, errorMessage } from './api.js';
import { h, clear, renderMarkdown, formatTime, notice } from './render.js';
import { startStaffPage, drafts, debounce, showFieldError, clearFieldErrors } from './staff.js';

register({
  en: {
    'kb.title': 'Knowledge editor',
    'kb.sections': 'Sections',
    'kb.signinTitle': 'Sign in to the knowledge editor',
    'kb.tokenLabel': 'Editor token',
    'kb.tab.articles': 'Articles',
    'kb.tab.import': 'Import',
    'kb.tab.try': 'Try a question',
    'kb.tab.gaps': 'Knowledge gaps',
    'kb.new': 'New article',
    'kb.search': 'Search',
    'kb.searchHint': 'Words in the title, question or answer',
    'kb.searchBtn': 'Search',
    'kb.any': 'Any',
    'kb.updated': 'Updated',
    'kb.more': 'Load more',
    'kb.refresh': 'Refresh',
    'kb.shown': '{count} shown',
    'kb.noArticles': 'No article matches.',
    'kb.pick': 'Pick an article to edit, or write a new one.',
    'kb.newTitle': 'New article',
    'kb.editTitle': 'Article #{id}',
    'kb.version': 'version {version}',
    'kb.answerHint': 'Markdown: **bold**, lists, links.',
    'kb.similarHint': 'One question per line.',
    'kb.tagsHint': 'Separated by commas.',
    'kb.externalHint': 'Optional: an import updates the article with the same ID.',
    'kb.preview': 'Preview the answer',
    'kb.saved': 'Saved: version {version}.',
    'kb.created': 'Created article #{id}.',
    'kb.delete': 'Delete',
    'kb.deleteAsk': 'Delete this article for good?',
    'kb.deleteYes': 'Yes, delete',
    'kb.deleted': 'Article #{id} was deleted.',
    'kb.discard': 'Discard my changes',
    'kb.restoreEarlier': 'Bring back my earlier draft',
    'kb.replacedDraft': 'This new article starts from the gap; your earlier unsaved draft is kept aside.',
    'kb.conflict': 'Someone else saved this article while you were editing: you started from version {mine}, it is now at version {theirs} ({time}). Your text is still in the form. Their version differs here:',
    'kb.conflictNoDiff': 'Their version has the same text as yours.',
    'kb.keepMine': 'Save mine over theirs',
    'kb.takeTheirs': 'Discard mine, load theirs',
    'kb.gone': 'Someone deleted this article meanwhile. Your text is still in the form.',
    'kb.saveAsNew': 'Save it as a new article',
    'kb.notFound': 'Article #{id} does not exist (any more).',
    'kb.importFile': 'File',
    'kb.importHint': 'JSON (an array), JSONL, CSV with a header row, or Markdown. Rows with the same external ID update their article.',
    'kb.importGo': 'Import',
    'kb.importNoFile': 'Choose a file first.',
    'kb.uploading': 'Uploading {pct}% ({done} of {total})',
    'kb.importing': 'Uploaded. Importing the rows…',
    'kb.importCancelled': 'Import cancelled; nothing was changed by it.',
    'kb.importCut': 'The upload broke off ({size}). If the server restarted, import again: rows already imported are updated, not doubled. If the file is very large, the server may refuse it: split it into smaller files.',
    'kb.importTooLarge': 'The file ({size}) is larger than the server accepts: split it into smaller files. Nothing of it was imported.',
    'kb.importTimeout': 'The import took too long and was stopped. Try a smaller file.',
    'kb.report': 'Import report',
    'kb.reportSummary': '{created} created, {updated} updated, {failed} failed.',
    'kb.reportAllGood': 'Every row was imported.',
    'kb.reportSomeFailed': 'The rows below were not imported; the others were. Fix them and import the file again.',
    'kb.row': 'Row',
    'kb.problem': 'Problem',
    'kb.tryLabel': 'Ask as a user would',
    'kb.tryHint': 'e.g. 怎么提现 / How do I reset my password?',
    'kb.tryGo': 'Try',
    'kb.tryEmpty': 'Type a question first.',
    'kb.auto': 'Detect',
    'kb.confidence': 'Confidence',
    'kb.verdictAnswer': 'The bot answers with the first article',
    'kb.verdictUnsure': 'The bot is unsure: it asks the user to choose, or hands over',
    'kb.verdictNote': 'At the default threshold of 85%.',
    'kb.noCandidates': 'No published article matches: this question needs an article.',
    'kb.score': 'score {value}',
    'kb.edit': 'Edit',
    'kb.gapsHint': 'Questions the bot could not answer well, grouped, most asked first.',
    'kb.noGaps': 'No gaps: every recent question was answered.',
    'kb.asked': 'asked {count}×',
    'kb.lastSeen': 'last {time}',
    'kb.writeArticle': 'Write an article',
    'kb.gapsUnavailable': 'The knowledge gaps cannot be loaded: {message}',
    'art.similar': 'Other ways to ask',
    'art.status': 'Status',
    'art.tags': 'Tags',
    'art.externalId': 'External ID',
    'status.draft': 'Draft',
    'status.published': 'Published',
    'status.archived': 'Archived',
    'reason.low_confidence': 'unsure',
    'reason.handoff': 'handed over',
    'reason.bad_rating': 'bad rating',
    'cat.account': 'Account',
    'cat.payment': 'Payment',
    'cat.content': 'Content',
    'cat.live': 'Live streaming',
    'cat.ads': 'Ads',
    'cat.tech': 'Tech',
    'cat.general': 'General',
  },
  zh: {
    'kb.title': '知识库编辑器',
    'kb.sections': '栏目',
    'kb.signinTitle': '登录知识库编辑器',
    'kb.tokenLabel': '编辑令牌',
    'kb.tab.articles': '文章',
    'kb.tab.import': '导入',
    'kb.tab.try': '试问',
    'kb.tab.gaps': '知识缺口',
    'kb.new': '新建文章',
    'kb.search': '搜索',
    'kb.searchHint': '标题、问题或答案中的词',
    'kb.searchBtn': '搜索',
    'kb.any': '全部',
    'kb.updated': '更新时间',
    'kb.more': '加载更多',
    'kb.refresh': '刷新',
    'kb.shown': '已显示 {count} 篇',
    'kb.noArticles': '没有匹配的文章。',
    'kb.pick': '选择一篇文章进行编辑，或新建一篇。',
    'kb.newTitle': '新建文章',
    'kb.editTitle': '文章 #{id}',
    'kb.version': '第 {version} 版',
    'kb.answerHint': '支持 Markdown：**加粗**、列表、链接。',
    'kb.similarHint': '每行一个问法。',
    'kb.tagsHint': '用逗号分隔。',
    'kb.externalHint': '可选：导入时会更新外部 ID 相同的文章。',
    'kb.preview': '预览答案',
    'kb.saved': '已保存：第 {version} 版。',
    'kb.created': '已创建文章 #{id}。',
    'kb.delete': '删除',
    'kb.deleteAsk': '确定永久删除这篇文章？',
    'kb.deleteYes': '确认删除',
    'kb.deleted': '文章 #{id} 已删除。',
    'kb.discard': '放弃我的修改',
    'kb.restoreEarlier': '恢复我之前的草稿',
    'kb.replacedDraft': '这篇新文章以知识缺口为起点；你之前未保存的草稿已另外保留。',
    'kb.conflict': '你编辑期间，有人保存了这篇文章：你基于第 {mine} 版修改，现在已是第 {theirs} 版（{time}）。你的内容仍在表单中。对方版本的不同之处：',
    'kb.conflictNoDiff': '对方版本的内容与你的相同。',
    'kb.keepMine': '用我的版本覆盖',
    'kb.takeTheirs': '放弃我的修改，载入对方版本',
    'kb.gone': '这篇文章已被他人删除。你的内容仍在表单中。',
    'kb.saveAsNew': '另存为新文章',
    'kb.notFound': '文章 #{id} 不存在（或已删除）。',
    'kb.importFile': '文件',
    'kb.importHint': 'JSON（数组）、JSONL、带表头的 CSV 或 Markdown。外部 ID 相同的行会更新对应文章。',
    'kb.importGo': '导入',
    'kb.importNoFile': '请先选择文件。',
    'kb.uploading': '正在上传 {pct}%（{done} / {total}）',
    'kb.importing': '上传完成，正在导入…',
    'kb.importCancelled': '已取消导入，没有任何改动。',
    'kb.importCut': '上传中断（{size}）。如果服务器刚重启，请重新导入：已导入的行会被更新，不会重复。如果文件很大，服务器可能拒收：请拆分成较小的文件。',
    'kb.importTooLarge': '文件（{size}）超过服务器允许的大小：请拆分成较小的文件。此文件没有任何内容被导入。',
    'kb.importTimeout': '导入耗时过长，已停止。请换一个较小的文件。',
    'kb.report': '导入报告',
    'kb.reportSummary': '新建 {created} 篇，更新 {updated} 篇，失败 {failed} 行。',
    'kb.reportAllGood': '所有行都已导入。',
    'kb.reportSomeFailed': '下列行没有导入，其余行已导入。修正后请重新导入该文件。',
    'kb.row': '行',
    'kb.problem': '问题',
    'kb.tryLabel': '像用户一样提问',
    'kb.tryHint': '例如：怎么提现 / How do I reset my password?',
    'kb.tryGo': '试一试',
    'kb.tryEmpty': '请先输入问题。',
    'kb.auto': '自动识别',
    'kb.confidence': '置信度',
    'kb.verdictAnswer': '机器人会用第一篇文章回答',
    'kb.verdictUnsure': '机器人没有把握：会请用户选择，或转人工',
    'kb.verdictNote': '按默认阈值 85% 计算。',
    'kb.noCandidates': '没有匹配的已发布文章：这个问题需要一篇文章。',
    'kb.score': '得分 {value}',
    'kb.edit': '编辑',
    'kb.gapsHint': '机器人没能答好的问题，按相似度分组，问得最多的在前。',
    'kb.noGaps': '没有知识缺口：近期的问题都已回答。',
    'kb.asked': '被问 {count} 次',
    'kb.lastSeen': '最近 {time}',
    'kb.writeArticle': '写一篇文章',
    'kb.gapsUnavailable': '无法加载知识缺口：{message}',
    'art.similar': '其他问法',
    'art.status': '状态',
    'art.tags': '标签',
    'art.externalId': '外部 ID',
    'status.draft': '草稿',
    'status.published': '已发布',
    'status.archived': '已归档',
    'reason.low_confidence': '没把握',
    'reason.handoff': '转人工',
    'reason.bad_rating': '差评',
    'cat.account': '账号',
    'cat.payment': '支付',
    'cat.content': '内容',
    'cat.live': '直播',
    'cat.ads': '广告',
    'cat.tech': '技术',
    'cat.general': '综合',
  },
});

const CATEGORIES = ['account', 'payment', 'content', 'live', 'ads', 'tech', 'general'];
const TABS = ['articles', 'import', 'try', 'gaps'];
const PAGE = 50;
const NEW_KEY = 'article.new';

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

const state = {
  tab: 'articles',
  items: [],
  cursor: '',
  listSeq: 0,
  // edit is the article in the editor: id 0 for a new one; version is what a save is based on.
  edit: null,
  prefill: null,
  xhr: null,
  gapsCursor: '',
};

const session = startStaffPage({
  role: 'editor',
  storageKey: 'faqbot.kb.token',
  probe: (client) => client.get('/v1/articles?limit=1'),
  onSignedIn,
  onSignedOut,
});
const api = session.client;

function onSignedIn({ again }) {
  $('tabs').hidden = false;
  if (again) {
    // The page is as it was: only reload what the failed call was after.
    if (state.tab === 'articles') loadArticles();
    return;
  }
  route();
}

function onSignedOut() {
  $('tabs').hidden = true;
  if (state.xhr) state.xhr.abort();
  Object.assign(state, { items: [], cursor: '', edit: null, prefill: null });
  clear($('article-rows'));
  closeEditor();
}

// ---- routing: #articles, #article/ID, #new, #import, #try, #gaps ----

function route() {
  const hash = location.hash.slice(1) || 'articles';
  const m = /^article\/(\d+)$/.exec(hash);
  const tab = m || hash === 'new' ? 'articles' : TABS.includes(hash) ? hash : 'articles';
  showTab(tab);
  if (m) openArticle(Number(m[1]));
  else if (hash === 'new') openNew();
  else if (tab === 'articles' && state.edit && !isDirty()) closeEditor();
}

function showTab(tab) {
  const first = state.tab !== tab || !state.shown;
  state.tab = tab;
  state.shown = true;
  for (const name of TABS) $(`tab-${name}`).hidden = name !== tab;
  for (const a of document.querySelectorAll('.tab')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!first) return;
  if (tab === 'articles' && !state.items.length) loadArticles();
  if (tab === 'gaps') loadGaps();
  if (tab === 'try') $('try-q').focus();
}

// ---- the list ----

function categoryLabel(c) {
  const s = t(`cat.${c}`);
  return s === `cat.${c}` ? c : s;
}

function fillCategoryControls() {
  const sel = $('f-category');
  const chosen = sel.value;
  clear(sel).append(h('option', { value: '', text: t('kb.any') }));
  for (const c of CATEGORIES) sel.append(h('option', { value: c, text: categoryLabel(c) }));
  sel.value = chosen;
  const dl = clear($('categories'));
  for (const c of CATEGORIES) dl.append(h('option', { value: c, text: categoryLabel(c) }));
}

async function loadArticles({ more = false } = {}) {
  const seq = ++state.listSeq;
  const form = $('filters');
  const q = new URLSearchParams({ limit: String(PAGE) });
  for (const name of ['q', 'category', 'status', 'language']) {
    const v = form.elements.namedItem(name).value.trim();
    if (v) q.set(name, v);
  }
  if (more && state.cursor) q.set('cursor', state.cursor);
  const out = clear($('list-out'));
  $('article-rows').setAttribute('aria-busy', 'true');
  try {
    const page = await api.get(`/v1/articles?${q}`);
    if (seq !== state.listSeq) return;
    session.ok();
    state.items = more ? [...state.items, ...page.items] : page.items;
    state.cursor = page.next_cursor || '';
    renderList();
  } catch (err) {
    if (seq !== state.listSeq) return;
    session.trouble(err);
    if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  } finally {
    if (seq === state.listSeq) $('article-rows').removeAttribute('aria-busy');
  }
}
const loadSoon = debounce(() => loadArticles(), 350);

function statusBadge(status) {
  const kind = { published: 'badge-success', draft: 'badge-warn' }[status] || '';
  return h('span', { class: `badge ${kind}`, text: t(`status.${status}`) });
}

function renderList() {
  const body = clear($('article-rows'));
  if (!state.items.length) body.append(h('tr', {}, h('td', { colspan: '5', class: 'muted', text: t('kb.noArticles') })));
  for (const a of state.items) {
    const selected = state.edit && state.edit.id === a.id;
    body.append(
      h(
        'tr',
        { 'aria-selected': selected ? 'true' : 'false', dataset: { id: String(a.id) } },
        h('td', {}, h('a', { href: `#article/${a.id}`, class: 'article-link', text: a.title || a.question || `#${a.id}` }), a.question && a.question !== a.title ? h('div', { class: 'small muted clip', text: a.question }) : null),
        h('td', { text: categoryLabel(a.category) }),
        h('td', { text: a.language }),
        h('td', {}, statusBadge(a.status)),
        h('td', { class: 'small muted nowrap' }, formatTime(a.updated_at, getLang()), h('br'), t('kb.version', { version: a.version })),
      ),
    );
  }
  $('more').hidden = !state.cursor;
  $('list-count').textContent = t('kb.shown', { count: state.items.length });
}

// ---- the editor ----

const FIELDS = ['title', 'question', 'answer', 'similar_questions', 'category', 'language', 'status', 'tags', 'external_id'];

// raw is an article as the form holds it: lists as text.
function raw(a) {
  return {
    title: a.title || '',
    question: a.question || '',
    answer: a.answer || '',
    similar_questions: (a.similar_questions || []).join('\n'),
    category: a.category || '',
    language: a.language || getLang(),
    status: a.status || 'draft',
    tags: (a.tags || []).join(', '),
    external_id: a.external_id || '',
  };
}

function formRaw() {
  const form = $('editor');
  return Object.fromEntries(FIELDS.map((f) => [f, form.elements.namedItem(f).value]));
}

function fillForm(r) {
  const form = $('editor');
  for (const f of FIELDS) {
    const el = form.elements.namedItem(f);
    const v = r[f] ?? '';
    // A language or status the select does not offer yet is added, not silently dropped.
    if (el instanceof HTMLSelectElement && v && ![...el.options].some((o) => o.value === v)) el.append(h('option', { value: v, text: v }));
    el.value = v;
  }
  renderPreview();
}

// body is what a save sends: the form's text, lists split.
function body(r) {
  const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);
  return {
    title: r.title,
    question: r.question,
    answer: r.answer,
    similar_questions: lines(r.similar_questions),
    category: r.category.trim(),
    language: r.language,
    status: r.status,
    tags: r.tags.split(/[,，]/).map((x) => x.trim()).filter(Boolean),
    external_id: r.external_id.trim(),
  };
}

const draftKey = () => (state.edit && state.edit.id ? `article.${state.edit.id}` : NEW_KEY);

function same(a, b) {
  return FIELDS.every((f) => (a[f] ?? '') === (b[f] ?? ''));
}

function isDirty() {
  if (!state.edit || $('editor').hidden) return false;
  return !same(formRaw(), state.edit.article ? raw(state.edit.article) : raw({}));
}

function keepDraft() {
  if (!state.edit) return;
  if (isDirty()) drafts.set(draftKey(), { fields: formRaw(), version: state.edit.version });
  else drafts.remove(draftKey());
}

function showEditor(title) {
  $('edit-empty').hidden = true;
  $('editor').hidden = false;
  $('editor-title').textContent = title;
  $('editor-version').textContent = state.edit.version ? t('kb.version', { version: state.edit.version }) : '';
  $('editor-version').hidden = !state.edit.version;
  $('delete').hidden = !state.edit.id;
  closeDelete();
  hideConflict();
  clearFieldErrors($('editor'));
  clear($('editor-out'));
  for (const tr of document.querySelectorAll('#article-rows tr')) tr.setAttribute('aria-selected', String(Boolean(state.edit.id) && tr.dataset.id === String(state.edit.id)));
}

function closeEditor() {
  state.edit = null;
  $('editor').hidden = true;
  $('edit-empty').hidden = false;
  for (const tr of document.querySelectorAll('#article-rows tr')) tr.setAttribute('aria-selected', 'false');
}

async function openArticle(id) {
  if (state.edit && state.edit.id === id && !$('editor').hidden) return;
  keepDraft();
  let a;
  try {
    a = await api.get(`/v1/articles/${id}`);
    session.ok();
  } catch (err) {
    session.trouble(err);
    closeEditor();
    notice(clear($('list-out')), err.status === 404 ? t('kb.notFound', { id }) : errorMessage(err), { kind: 'error' });
    return;
  }
  state.edit = { id: a.id, version: a.version, article: a };
  showEditor(t('kb.editTitle', { id: a.id }));
  fillForm(raw(a));
  const saved = drafts.get(`article.${a.id}`);
  if (saved && !same(saved.fields, raw(a))) {
    fillForm(saved.fields);
    // Work on the version the draft was made from: a newer one is a conflict to resolve.
    state.edit.version = saved.version || a.version;
    if (saved.version && saved.version !== a.version) showConflict(a);
    else restoredNotice(`article.${a.id}`, () => fillForm(raw(a)));
  }
  $('e-title').focus();
}

function openNew() {
  keepDraft();
  const prefill = state.prefill;
  state.prefill = null;
  state.edit = { id: 0, version: 0, article: null };
  showEditor(t('kb.newTitle'));
  const saved = drafts.get(NEW_KEY);
  if (prefill) {
    if (saved && !same(saved.fields, raw({}))) {
      drafts.set(`${NEW_KEY}.earlier`, saved);
      const out = $('editor-out');
      notice(out, t('kb.replacedDraft'), {
        kind: 'info',
        action: {
          label: t('kb.restoreEarlier'),
          onClick: () => {
            fillForm(drafts.get(`${NEW_KEY}.earlier`).fields);
            keepDraft();
            clear(out);
          },
        },
      });
    }
    fillForm({ ...raw({}), ...prefill });
    keepDraft();
  } else if (saved) {
    fillForm(saved.fields);
    restoredNotice(NEW_KEY, () => fillForm(raw({})));
  } else {
    fillForm(raw({}));
  }
  $('e-title').focus();
}

function restoredNotice(key, discard) {
  const out = $('editor-out');
  notice(out, t('staff.draftRestored'), {
    kind: 'info',
    action: {
      label: t('kb.discard'),
      onClick: () => {
        drafts.remove(key);
        discard();
        if (state.edit && state.edit.article) state.edit.version = state.edit.article.version;
        clear(out);
      },
    },
  });
}

async function save(e) {
  if (e) e.preventDefault();
  const form = $('editor');
  const out = clear($('editor-out'));
  clearFieldErrors(form);
  hideConflict();
  const edit = state.edit;
  if (!edit) return;
  const b = body(formRaw());
  $('save').disabled = true;
  try {
    const a = edit.id ? await api.put(`/v1/articles/${edit.id}`, { ...b, version: edit.version }) : await api.post('/v1/articles', b);
    session.ok();
    drafts.remove(draftKey());
    const created = !edit.id;
    state.edit = { id: a.id, version: a.version, article: a };
    showEditor(t('kb.editTitle', { id: a.id }));
    fillForm(raw(a));
    notice($('editor-out'), created ? t('kb.created', { id: a.id }) : t('kb.saved', { version: a.version }), { kind: 'success', timeoutMs: 5000 });
    if (created) history.replaceState(null, '', `#article/${a.id}`);
    loadArticles();
  } catch (err) {
    session.trouble(err);
    if (edit.id && err.status === 409) await conflict(err);
    else if (edit.id && err.status === 404) gone();
    else if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  } finally {
    $('save').disabled = false;
  }
}

// conflict tells a stale version (someone saved meanwhile) from an external ID another
// article holds; both are 409.
async function conflict(err) {
  const id = state.edit.id;
  let cur;
  try {
    cur = await api.get(`/v1/articles/${id}`);
  } catch (e2) {
    if (e2.status === 404) gone();
    else notice($('editor-out'), errorMessage(err), { kind: 'error' });
    return;
  }
  if (cur.version !== state.edit.version) showConflict(cur);
  else if (!showFieldError($('editor'), { field: 'external_id' }, errorMessage(err))) notice($('editor-out'), errorMessage(err), { kind: 'error' });
}

const FIELD_LABELS = {
  title: 'art.title',
  question: 'art.question',
  answer: 'art.answer',
  similar_questions: 'art.similar',
  category: 'art.category',
  language: 'art.language',
  status: 'art.status',
  tags: 'art.tags',
  external_id: 'art.externalId',
};

function showConflict(theirs) {
  state.theirs = theirs;
  keepDraft();
  $('conflict-text').textContent = t('kb.conflict', { mine: state.edit.version, theirs: theirs.version, time: formatTime(theirs.updated_at, getLang()) });
  const diff = clear($('conflict-diff'));
  const mine = formRaw();
  const their = raw(theirs);
  const changed = FIELDS.filter((f) => mine[f] !== their[f]);
  if (!changed.length) diff.append(h('p', { class: 'small', text: t('kb.conflictNoDiff') }));
  const dl = h('dl');
  for (const f of changed) dl.append(h('dt', { text: t(FIELD_LABELS[f]) }), h('dd', { class: 'plain', text: their[f] || '—' }));
  diff.append(dl);
  $('conflict').hidden = false;
  $('conflict-mine').focus();
}

function hideConflict() {
  $('conflict').hidden = true;
}

function keepMine() {
  const theirs = state.theirs;
  if (!theirs) return;
  state.edit.version = theirs.version;
  state.edit.article = theirs;
  hideConflict();
  save();
}

function takeTheirs() {
  const theirs = state.theirs;
  if (!theirs) return;
  state.edit = { id: theirs.id, version: theirs.version, article: theirs };
  drafts.remove(draftKey());
  fillForm(raw(theirs));
  showEditor(t('kb.editTitle', { id: theirs.id }));
}

// gone: the article was deleted under the editor; the text stays and can become a new one.
function gone() {
  keepDraft();
  notice(clear($('editor-out')), t('kb.gone'), {
    kind: 'warn',
    action: {
      label: t('kb.saveAsNew'),
      onClick: () => {
        const fields = formRaw();
        drafts.remove(draftKey());
        state.edit = { id: 0, version: 0, article: null };
        showEditor(t('kb.newTitle'));
        fillForm(fields);
        history.replaceState(null, '', '#new');
        save();
      },
    },
  });
}

function openDelete() {
  $('delete').hidden = true;
  $('delete-confirm').hidden = false;
  $('delete-yes').focus();
}

function closeDelete() {
  $('delete-confirm').hidden = true;
  $('delete').hidden = !(state.edit && state.edit.id);
}

async function remove() {
  const { id, version } = state.edit;
  closeDelete();
  try {
    await api.del(`/v1/articles/${id}?version=${version}`);
    session.ok();
    drafts.remove(`article.${id}`);
    closeEditor();
    notice(clear($('list-out')), t('kb.deleted', { id }), { kind: 'success', timeoutMs: 5000 });
    history.replaceState(null, '', '#articles');
    loadArticles();
  } catch (err) {
    session.trouble(err);
    if (err.status === 409) await conflict(err);
    else notice(clear($('editor-out')), errorMessage(err), { kind: 'error' });
  }
}

function renderPreview() {
  if (!$('editor').querySelector('.preview').open) return;
  clear($('preview')).append(renderMarkdown($('e-answer').value));
}

// ---- import ----

function mb(bytes) {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function startImport(e) {
  e.preventDefault();
  const form = $('import-form');
  const out = clear($('import-out'));
  clearFieldErrors(form);
  const file = $('import-file').files[0];
  if (!file) {
    showFieldError(form, { field: 'file' }, t('kb.importNoFile'));
    return;
  }
  $('import-report').hidden = true;
  const box = $('import-progress-box');
  const bar = $('import-progress');
  const status = $('import-status');
  box.hidden = false;
  bar.value = 0;
  status.textContent = t('kb.uploading', { pct: 0, done: mb(0), total: mb(file.size) });
  $('import-go').disabled = true;
  $('import-cancel').hidden = false;

  // XMLHttpRequest rather than fetch: only it reports upload progress.
  const xhr = new XMLHttpRequest();
  state.xhr = xhr;
  const done = () => {
    state.xhr = null;
    $('import-go').disabled = false;
    $('import-cancel').hidden = true;
  };
  xhr.open('POST', '/v1/articles/import');
  xhr.setRequestHeader('Authorization', `Bearer ${session.token()}`);
  xhr.setRequestHeader('Accept-Language', getLang() === 'zh' ? 'zh-CN,zh;q=0.9,en;q=0.5' : 'en');
  xhr.timeout = 15 * 60 * 1000;
  xhr.upload.onprogress = (ev) => {
    if (!ev.lengthComputable) return;
    const pct = Math.floor((ev.loaded / ev.total) * 100);
    bar.value = pct;
    status.textContent = t('kb.uploading', { pct, done: mb(ev.loaded), total: mb(ev.total) });
  };
  xhr.upload.onload = () => {
    bar.removeAttribute('value'); // indeterminate while the server imports
    status.textContent = t('kb.importing');
  };
  xhr.onload = () => {
    done();
    box.hidden = true;
    let data = null;
    try {
      data = JSON.parse(xhr.responseText);
    } catch {
      // not JSON: a proxy's page
    }
    if (xhr.status === 200 && data) {
      session.ok();
      showReport(data);
      loadArticles();
      return;
    }
    const er = (data && data.error) || {};
    const err = new ApiError({
      status: xhr.status,
      code: er.code || `http_${xhr.status}`,
      message: er.message || '',
      field: er.field || '',
      requestId: er.request_id || '',
      retryAfter: Number(xhr.getResponseHeader('Retry-After')) || 0,
    });
    if (err.status === 401) session.askAgain();
    session.trouble(err);
    if (err.status === 413) notice(out, `${t('kb.importTooLarge', { size: mb(file.size) })} (${errorMessage(err)})`, { kind: 'error' });
    else if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  };
  xhr.onerror = () => {
    done();
    box.hidden = true;
    session.trouble(new ApiError({ status: 0 }));
    notice(out, t('kb.importCut', { size: mb(file.size) }), { kind: 'error' });
  };
  xhr.ontimeout = () => {
    done();
    box.hidden = true;
    notice(out, t('kb.importTimeout'), { kind: 'error' });
  };
  xhr.onabort = () => {
    done();
    box.hidden = true;
    notice(out, t('kb.importCancelled'), { kind: 'info' });
  };
  const fd = new FormData();
  fd.append('file', file, file.name);
  xhr.send(fd);
}

function showReport(r) {
  const failed = r.failed || [];
  $('import-report').hidden = false;
  const summary = clear($('report-summary'));
  summary.append(
    h('strong', { text: t('kb.reportSummary', { created: r.created || 0, updated: r.updated || 0, failed: failed.length }) }),
    ' ',
    h('span', { text: failed.length ? t('kb.reportSomeFailed') : t('kb.reportAllGood') }),
  );
  $('report-failed').hidden = !failed.length;
  const rows = clear($('report-rows'));
  for (const f of failed) rows.append(h('tr', {}, h('td', { text: String(f.row) }), h('td', { class: 'plain', text: f.error })));
  $('import-report').focus();
}

// ---- try a question ----

async function tryQuestion(e) {
  e.preventDefault();
  const form = $('try-form');
  const out = clear($('try-out'));
  clearFieldErrors(form);
  const query = $('try-q').value;
  drafts.set('try', query);
  if (!query.trim()) {
    showFieldError(form, { field: 'query' }, t('kb.tryEmpty'));
    return;
  }
  const req = { query, top_k: 5 };
  if ($('try-lang').value) req.language = $('try-lang').value;
  form.setAttribute('aria-busy', 'true');
  try {
    const res = await api.post('/v1/search', req);
    session.ok();
    showTry(res);
  } catch (err) {
    session.trouble(err);
    if (!showFieldError(form, err, errorMessage(err))) notice(out, errorMessage(err), { kind: 'error' });
  } finally {
    form.removeAttribute('aria-busy');
  }
}

function showTry(res) {
  const conf = Number(res.confidence) || 0;
  const answers = conf >= 0.85 && (res.candidates || []).length > 0;
  $('try-result').hidden = false;
  $('try-meter').value = conf;
  $('try-confidence').textContent = `${Math.round(conf * 100)}%`;
  const verdict = $('try-verdict');
  verdict.className = `badge ${answers ? 'badge-success' : 'badge-warn'}`;
  verdict.textContent = answers ? t('kb.verdictAnswer') : t('kb.verdictUnsure');
  verdict.title = t('kb.verdictNote');
  const ol = clear($('try-candidates'));
  if (!(res.candidates || []).length) ol.append(h('li', { class: 'muted', text: t('kb.noCandidates') }));
  for (const c of res.candidates || []) {
    ol.append(
      h(
        'li',
        { class: 'result' },
        h(
          'div',
          { class: 'result-head' },
          h('strong', { text: c.title || c.question }),
          h('span', { class: 'badge', text: t('kb.score', { value: (Number(c.score) || 0).toFixed(3) }) }),
          c.category ? h('span', { class: 'badge', text: categoryLabel(c.category) }) : null,
          c.language ? h('span', { class: 'badge', text: c.language }) : null,
        ),
        c.question && c.question !== c.title ? h('div', { class: 'small muted', text: c.question }) : null,
        h('a', { href: `#article/${c.article_id}`, class: 'btn btn-small', text: t('kb.edit') }),
      ),
    );
  }
}

// ---- knowledge gaps ----

async function loadGaps({ more = false } = {}) {
  const out = clear($('gaps-out'));
  const q = new URLSearchParams({ limit: '20' });
  if (more && state.gapsCursor) q.set('cursor', state.gapsCursor);
  try {
    const page = await api.get(`/v1/insights/gaps?${q}`);
    session.ok();
    state.gapsCursor = page.next_cursor || '';
    renderGaps(page.items || [], more);
  } catch (err) {
    session.trouble(err);
    notice(out, t('kb.gapsUnavailable', { message: errorMessage(err) }), { kind: 'error' });
  }
}

// reasons reads a group's reasons as {reason: count}: an object of counts or a list.
function reasons(g) {
  const r = g.reasons || {};
  // A list names the reasons without counts (null: shown without a number).
  if (Array.isArray(r)) return Object.fromEntries(r.map((x) => [x, null]));
  return r;
}

const exampleText = (x) => (typeof x === 'string' ? x : (x && (x.question || x.text)) || '');

function renderGaps(items, more) {
  const ol = $('gap-list');
  if (!more) clear(ol);
  if (!more && !items.length) ol.append(h('li', { class: 'muted', text: t('kb.noGaps') }));
  for (const g of items) {
    const examples = (g.examples || []).map(exampleText).filter(Boolean);
    ol.append(
      h(
        'li',
        { class: 'card gap' },
        h(
          'div',
          { class: 'gap-head' },
          h('strong', { class: 'gap-question', text: g.question }),
          h('span', { class: 'badge badge-accent', text: t('kb.asked', { count: g.count }) }),
          Object.entries(reasons(g))
            .filter(([, n]) => n !== 0)
            .map(([k, n]) => h('span', { class: 'badge', text: n ? `${t(`reason.${k}`)} ${n}` : t(`reason.${k}`) })),
          g.language ? h('span', { class: 'badge', text: g.language }) : null,
          g.last_seen ? h('span', { class: 'small muted', text: t('kb.lastSeen', { time: formatTime(g.last_seen, getLang()) }) }) : null,
        ),
        examples.length ? h('ul', { class: 'examples small' }, examples.map((x) => h('li', { text: x }))) : null,
        h('button', { type: 'button', class: 'btn btn-small btn-primary', onclick: () => writeFromGap(g, examples) }, t('kb.writeArticle')),
      ),
    );
  }
  $('gaps-more').hidden = !state.gapsCursor;
}

function writeFromGap(g, examples) {
  const question = g.question || examples[0] || '';
  state.prefill = {
    title: question,
    question,
    similar_questions: examples.filter((x) => x !== question).join('\n'),
    language: g.language === 'zh' || g.language === 'en' ? g.language : getLang(),
    status: 'draft',
  };
  if (location.hash === '#new') route();
  else location.hash = '#new';
}

// ---- wiring ----

fillCategoryControls();
$('try-q').value = drafts.get('try') || '';
$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  loadArticles();
});
$('f-q').addEventListener('input', loadSoon);
for (const id of ['f-category', 'f-status', 'f-language']) $(id).addEventListener('change', () => loadArticles());
$('more').addEventListener('click', () => loadArticles({ more: true }));
$('editor').addEventListener('submit', save);
$('editor').addEventListener('input', () => {
  keepDraft();
  renderPreview();
});
$('editor').addEventListener('keydown', (e) => {
  if (e.key === 's' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $('editor').requestSubmit();
  }
});
$('editor').querySelector('.preview').addEventListener('toggle', renderPreview);
$('conflict-mine').addEventListener('click', keepMine);
$('conflict-theirs').addEventListener('click', takeTheirs);
$('delete').addEventListener('click', openDelete);
$('delete-no').addEventListener('click', closeDelete);
$('delete-yes').addEventListener('click', remove);
$('import-form').addEventListener('submit', startImport);
$('import-cancel').addEventListener('click', () => state.xhr && state.xhr.abort());
$('try-form').addEventListener('submit', tryQuestion);
$('try-q').addEventListener('input', () => drafts.set('try', $('try-q').value));
$('gaps-refresh').addEventListener('click', () => loadGaps());
$('gaps-more').addEventListener('click', () => loadGaps({ more: true }));
$('close-editor').addEventListener('click', () => {
  keepDraft();
  closeEditor();
});
window.addEventListener('hashchange', () => {
  if (session.token()) route();
});
onLangChange(() => {
  fillCategoryControls();
  renderList();
  if (state.edit) $('editor-title').textContent = state.edit.id ? t('kb.editTitle', { id: state.edit.id }) : t('kb.newTitle');
});
