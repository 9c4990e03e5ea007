/*
 * crmqa widget for the amoCRM / Kommo deal card (location "lcard-1").
 *
 * Flow: the right-column panel asks our server for the deal's quality page with
 * self.$authorizedAjax(), which adds X-Auth-Token: a one-time HS256 JWT signed with the
 * integration's secret key (claims iss, aud, jti, iat, nbf, exp, account_id, user_id,
 * client_uuid). The server verifies it (api/crm_auth.verify_amocrm_token) on
 *   GET {server_url}/widget/deal/{id}?crm=amocrm
 * and answers HTML. The HTML is shown in a sandboxed iframe (srcdoc, no same-origin), so
 * neither its scripts nor its styles reach the amoCRM page.
 * The server must allow CORS from https://{subdomain}.amocrm.ru / .amocrm.com / .kommo.com
 * with the X-Auth-Token request header.
 *
 * A token is one-time: every load (and every retry) makes a new $authorizedAjax call.
 */
define(['jquery'], function ($) {
  'use strict';

  var FRAME_HEIGHT_PX = 520;
  var TIMEOUT_MS = 20000;
  var FALLBACK_TEXT = {
    title: 'Контроль качества сделки',
    loading: 'Загружаем проверку сделки…',
    unsaved: 'Сохраните сделку, чтобы увидеть проверку качества.',
    no_server: 'Укажите адрес сервера crmqa (https://…) в настройках виджета.',
    denied: 'Нет доступа к проверке: обратитесь к администратору crmqa.',
    not_found: 'Эта сделка ещё не проверена.',
    unavailable: 'Сервер crmqa недоступен. Попробуйте позже.',
    retry: 'Повторить'
  };

  return function () {
    var self = this;
    var pending = null;

    function text(key) {
      var section = self.i18n('panel') || {};
      return section[key] || FALLBACK_TEXT[key] || '';
    }

    function widgetCode() {
      var code = String((self.get_settings() || {}).widget_code || 'crmqa');
      return code.replace(/[^A-Za-z0-9_-]/g, '_');
    }

    function panelId() {
      return 'crmqa-panel-' + widgetCode();
    }

    function panel() {
      return $('#' + panelId());
    }

    function isLeadCard() {
      var system = self.system() || {};
      return system.area === 'lcard';
    }

    // AMOCRM.data.current_card is false outside cards and has id 0 for an unsaved deal.
    function currentDealId() {
      var card = window.AMOCRM && AMOCRM.data && AMOCRM.data.current_card;
      var id = card ? parseInt(card.id, 10) : 0;
      return id > 0 ? id : 0;
    }

    // The https:// base URL from the settings, without a trailing slash; '' if unusable.
    function serverUrl() {
      var raw = String((self.get_settings() || {}).server_url || '').trim();
      var url = raw.replace(/\/+$/, '');
      return /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~\/-]*)?$/.test(url) ? url : '';
    }

    function showMessage(key, withRetry) {
      var box = $('<div class="crmqa-panel__message"></div>').text(text(key));
      box.css({padding: '8px 0', color: '#313942'});
      var node = panel().empty().append(box);
      if (withRetry) {
        var button = $('<button type="button" class="crmqa-panel__retry button-input"></button>');
        node.append(button.text(text('retry')));
      }
    }

    function escapeAttribute(value) {
      return String(value).replace(/&/g, '&amp;').replace(/"/g, '&quot;')
        .replace(/</g, '&lt;').replace(/>/g, '&gt;');
    }

    // Relative links of the server page resolve against the server; links open outside.
    function withBase(html, base) {
      var tag = '<base href="' + escapeAttribute(base + '/') + '" target="_blank">';
      var head = /<head[^>]*>/i.exec(html);
      if (!head) {
        return tag + html;
      }
      var at = head.index + head[0].length;
      return html.slice(0, at) + tag + html.slice(at);
    }

    function showPage(html, base) {
      var frame = $('<iframe class="crmqa-panel__frame"></iframe>');
      frame.attr({
        sandbox: 'allow-scripts allow-popups allow-popups-to-escape-sandbox',
        referrerpolicy: 'no-referrer',
        title: text('title'),
        srcdoc: withBase(String(html || ''), base)
      });
      frame.css({width: '100%', height: FRAME_HEIGHT_PX + 'px', border: '0'});
      panel().empty().append(frame);
    }

    function errorKey(xhr) {
      var status = xhr ? xhr.status : 0;
      if (status === 401 || status === 403) {
        return 'denied';
      }
      return status === 404 ? 'not_found' : 'unavailable';
    }

    function abortPending() {
      if (pending && typeof pending.abort === 'function') {
        pending.abort();
      }
      pending = null;
    }

    function load() {
      var dealId = currentDealId();
      var server = serverUrl();
      if (!dealId) {
        showMessage('unsaved', false);
        return;
      }
      if (!server) {
        showMessage('no_server', false);
        return;
      }
      abortPending();
      showMessage('loading', false);
      var request = self.$authorizedAjax({
        url: server + '/widget/deal/' + encodeURIComponent(dealId) + '?crm=amocrm',
        method: 'GET',
        dataType: 'html',
        timeout: TIMEOUT_MS
      });
      pending = request;
      request.done(function (html) {
        if (pending === request) {
          showPage(html, server);
        }
      }).fail(function (xhr, status) {
        if (pending === request && status !== 'abort') {
          showMessage(errorKey(xhr), true);
        }
      }).always(function () {
        if (pending === request) {
          pending = null;
        }
      });
    }

    this.callbacks = {
      render: function () {
        if (!isLeadCard()) {
          return true;
        }
        self.render_template({
          caption: {class_name: 'crmqa-caption'},
          body: '<div class="crmqa-panel" id="' + panelId() + '"></div>',
          render: ''
        });
        return true;
      },
      init: function () {
        if (isLeadCard()) {
          load();
        }
        return true;
      },
      bind_actions: function () {
        var ns = '.' + panelId();
        $(document).off('click' + ns).on('click' + ns, '#' + panelId() + ' .crmqa-panel__retry', load);
        return true;
      },
      settings: function () {
        return true;
      },
      onSave: function () {
        return true;
      },
      destroy: function () {
        abortPending();
        $(document).off('click.' + panelId());
        panel().remove();
        return true;
      }
    };

    return this;
  };
});
