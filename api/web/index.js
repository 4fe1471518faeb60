// index.js: the demo page around the widget (/).
import { register, detectLang, setLang, getLang, applyI18n, bindLangSwitch, onLangChange } from './i18n.js';

register({
  en: {
    'demo.agent': 'Agent console',
    'demo.kb': 'Knowledge base',
    'demo.title': 'An FAQ assistant with human handoff',
    'demo.lead': 'This page plays the host app. The chat is the widget your app embeds: ask a question, pick a suggestion, or ask for a human.',
    'demo.embedTitle': 'Embed it in your app',
    'demo.embedText': 'One script tag, with the token your app signs for its user (HS256 with FAQBOT_USER_SECRET):',
    'demo.csp': "Your page's Content-Security-Policy needs script-src and frame-src for this server's origin.",
  },
  zh: {
    'demo.agent': '客服工作台',
    'demo.kb': '知识库',
    'demo.title': '能转人工的智能客服',
    'demo.lead': '这个页面扮演你的应用。对话框就是应用里嵌入的客服组件：提个问题、点一个推荐问题，或者要求转人工。',
    'demo.embedTitle': '嵌入到你的应用',
    'demo.embedText': '只需一个 script 标签，带上应用为该用户签发的令牌（用 FAQBOT_USER_SECRET 做 HS256 签名）：',
    'demo.csp': '你的页面的内容安全策略（CSP）需要在 script-src 和 frame-src 中允许本服务的域名。',
  },
});

setLang(detectLang());
applyI18n();
bindLangSwitch(document.getElementById('lang'));
document.getElementById('snippet').textContent =
  `<script src="${location.origin}/widget.js"\n        data-token="USER_JWT" data-lang="${getLang()}"></script>`;
onLangChange((lang) => {
  applyI18n();
  document.getElementById('snippet').textContent =
    `<script src="${location.origin}/widget.js"\n        data-token="USER_JWT" data-lang="${lang}"></script>`;
  if (window.FaqbotWidget && window.FaqbotWidget.instance) window.FaqbotWidget.instance.setLang(lang);
});
