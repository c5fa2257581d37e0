// nines: small enhancements; every page works without them.
// 1. Times in the viewer's time zone (UTC stays in the title).
// 2. Live refresh of `data-live` sections every `data-refresh` seconds,
//    skipping sections with focus or unsaved input, so scroll position and
//    typing are kept.
// 3. Confirm dialogs on forms with `data-confirm`.
(function () {
  'use strict';
  var fmt = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
  });
  function localTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) {
        t.textContent = fmt.format(d);
        t.title = t.getAttribute('datetime').replace('T', ' ').replace('Z', ' UTC');
      }
    });
  }
  function dirty(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) return true;
    return Array.prototype.some.call(el.querySelectorAll('input, textarea, select'), function (i) {
      if (i.type === 'hidden') return false;
      if (i.tagName === 'SELECT') {
        return Array.prototype.some.call(i.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      if (i.type === 'checkbox' || i.type === 'radio') return i.checked !== i.defaultChecked;
      return i.value !== i.defaultValue;
    });
  }
  function refresh() {
    if (document.hidden) return;
    fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live][id]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh && !dirty(el) && fresh.innerHTML !== el.innerHTML) {
            el.innerHTML = fresh.innerHTML;
            localTimes(el);
          }
        });
      })
      .catch(function () { /* offline: try again next time */ });
  }
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  document.addEventListener('DOMContentLoaded', function () {
    localTimes(document);
    var every = parseInt(document.body.getAttribute('data-refresh') || '0', 10);
    if (every > 0) setInterval(refresh, every * 1000);
  });
})();
