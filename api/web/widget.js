/* faqbot chat widget loader. A host app embeds it with one script tag:
 *
 *   <script src="https://faqbot.example/widget.js" data-token="USER_JWT" data-lang="zh"></script>
 *
 * (a launcher button at the bottom right opens the chat), or mounts it itself:
 *
 *   FaqbotWidget.mount({ token, lang, el, open, getToken })
 *
 * el: an element to fill (inline chat) instead of the floating launcher; getToken: a function
 * returning (a promise of) a fresh user token, called when the current one expires.
 * Attributes of the script tag: data-token, data-lang, data-target (a CSS selector: inline),
 * data-open ("true": start open), data-manual (do not mount; call FaqbotWidget.mount).
 *
 * The chat runs in an iframe from faqbot's own origin, so the host page's CSS and scripts
 * cannot reach into it and it needs no CORS. The token goes to the frame by postMessage,
 * addressed to faqbot's origin only: never in a URL. This script touches the host page only
 * through the elements it adds (styled through the CSSOM, which the host's CSP style-src does
 * not govern). The host's CSP needs script-src and frame-src for faqbot's origin.
 */
(function () {
  'use strict';
  if (window.FaqbotWidget) return;

  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var LABELS = {
    en: { open: 'Open help chat', close: 'Close help chat', title: 'Help chat' },
    zh: { open: '打开客服对话', close: '关闭客服对话', title: '客服对话' },
  };

  function css(el, props) {
    for (var k in props) el.style.setProperty(k, props[k]);
    return el;
  }

  function langOf(lang) {
    var l = String(lang || navigator.language || 'en').toLowerCase();
    return l.indexOf('zh') === 0 ? 'zh' : 'en';
  }

  function chatIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '26');
    svg.setAttribute('height', '26');
    svg.setAttribute('aria-hidden', 'true');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.3 1.3 0 1 0 0 2.6A1.3 1.3 0 0 0 7 10zm5 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6zm5 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6z');
    svg.appendChild(path);
    return svg;
  }

  function mount(opts) {
    opts = opts || {};
    var token = typeof opts.token === 'string' ? opts.token : '';
    var lang = langOf(opts.lang);
    var inline = !!opts.el;
    var isOpen = inline || !!opts.open;
    var listeners = [];

    var frame = document.createElement('iframe');
    frame.src = origin + '/chat';
    frame.title = LABELS[lang].title;
    frame.setAttribute('referrerpolicy', 'no-referrer');
    css(frame, { border: '0', width: '100%', height: '100%', display: 'block', 'color-scheme': 'normal', background: '#fff' });

    var host, root, panel, launcher, dot;
    if (inline) {
      host = opts.el;
      while (host.firstChild) host.removeChild(host.firstChild);
      if (!host.style.height && host.clientHeight < 200) css(host, { height: '600px' });
      host.appendChild(frame);
    } else {
      // A shadow root keeps the host page's style sheets off the launcher and the panel.
      host = document.createElement('div');
      host.setAttribute('data-faqbot-widget', '');
      css(host, { all: 'initial', position: 'fixed', right: '20px', bottom: '20px', 'z-index': '2147483000' });
      root = host.attachShadow({ mode: 'closed' });
      panel = document.createElement('div');
      panel.id = 'faqbot-panel';
      css(panel, {
        position: 'absolute', right: '0', bottom: '72px', width: '380px', height: '600px',
        'max-height': 'calc(100vh - 110px)', 'border-radius': '14px', overflow: 'hidden',
        'box-shadow': '0 8px 30px rgba(16,24,40,.22)', background: '#fff',
      });
      if (window.matchMedia && window.matchMedia('(max-width: 480px)').matches) {
        // On a phone the chat takes the screen.
        css(panel, { position: 'fixed', inset: '0', width: '100vw', height: '100%', 'max-height': 'none', 'border-radius': '0' });
      }
      panel.appendChild(frame);
      launcher = document.createElement('button');
      launcher.type = 'button';
      launcher.setAttribute('aria-controls', 'faqbot-panel');
      css(launcher, {
        width: '56px', height: '56px', 'border-radius': '50%', border: '0', cursor: 'pointer',
        background: '#2563a8', color: '#fff', display: 'flex', 'align-items': 'center',
        'justify-content': 'center', 'box-shadow': '0 4px 14px rgba(16,24,40,.25)', position: 'relative',
      });
      launcher.appendChild(chatIcon());
      dot = document.createElement('span');
      css(dot, { position: 'absolute', top: '4px', right: '4px', width: '12px', height: '12px', 'border-radius': '50%', background: '#d92d20', border: '2px solid #fff', display: 'none' });
      launcher.appendChild(dot);
      launcher.addEventListener('click', function () {
        setOpen(!isOpen);
      });
      root.appendChild(panel);
      root.appendChild(launcher);
      (document.body || document.documentElement).appendChild(host);
    }

    function post(msg) {
      if (frame.contentWindow) frame.contentWindow.postMessage(msg, origin);
    }

    function setOpen(open) {
      isOpen = open;
      if (inline) return;
      css(panel, { display: open ? 'block' : 'none' });
      launcher.setAttribute('aria-expanded', String(open));
      launcher.setAttribute('aria-label', open ? LABELS[lang].close : LABELS[lang].open);
      launcher.title = launcher.getAttribute('aria-label');
      if (open) {
        css(dot, { display: 'none' });
        post({ type: 'faqbot:focus' });
      } else {
        launcher.focus();
      }
    }
    setOpen(isOpen);

    function renew() {
      var fire = function () {
        var ev = new CustomEvent('faqbot:token-expired', { bubbles: true });
        (script || document).dispatchEvent(ev);
      };
      if (typeof opts.getToken !== 'function') return fire();
      Promise.resolve()
        .then(opts.getToken)
        .then(function (t) {
          if (typeof t === 'string' && t) instance.setToken(t);
          else fire();
        }, fire);
    }

    function onMessage(e) {
      if (e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
      switch (e.data.type) {
        case 'faqbot:ready':
          post({ type: 'faqbot:init', token: token, lang: opts.lang ? lang : '', closable: !inline });
          break;
        case 'faqbot:token-expired':
          renew();
          break;
        case 'faqbot:close':
          setOpen(false);
          break;
        case 'faqbot:unread':
          if (!isOpen && dot) css(dot, { display: 'block' });
          break;
        case 'faqbot:lang':
          lang = langOf(e.data.lang);
          frame.title = LABELS[lang].title;
          setOpen(isOpen);
          break;
      }
    }
    window.addEventListener('message', onMessage);
    listeners.push(['message', onMessage]);

    var instance = {
      open: function () {
        setOpen(true);
      },
      close: function () {
        setOpen(false);
      },
      // setToken hands the chat a fresh user token (after the old one expired).
      setToken: function (t) {
        token = String(t || '');
        post({ type: 'faqbot:token', token: token });
      },
      setLang: function (l) {
        lang = langOf(l);
        post({ type: 'faqbot:lang', lang: lang });
      },
      destroy: function () {
        listeners.forEach(function (l) {
          window.removeEventListener(l[0], l[1]);
        });
        if (inline) host.removeChild(frame);
        else host.remove();
      },
    };
    return instance;
  }

  window.FaqbotWidget = { mount: mount };

  if (script && !script.hasAttribute('data-manual')) {
    var d = script.dataset;
    var go = function () {
      var el = d.target ? document.querySelector(d.target) : null;
      window.FaqbotWidget.instance = mount({ token: d.token || '', lang: d.lang || '', el: el, open: d.open === 'true' });
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go);
    else go();
  }
})();
