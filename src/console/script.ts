/**
 * The console's script, served as `/console/console.js`. Plain browser JavaScript, no framework.
 * Keys, values, tags and metadata are anyone's text: they are only ever set with `textContent` (or
 * an option's text), previewed as an image through a blob: URL, or downloaded; nothing from the API
 * becomes markup. What the token may do (`GET /v1/token`) decides what is offered: the API refuses
 * the rest anyway, the page just does not offer it.
 */
export const CONSOLE_JS = String.raw`'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var TOKEN_KEY = 'cloudcached.token';
  var cursor = null;
  var nsCursor = null;
  var openKey = null;
  var lastUrl = null;
  var caps = null;
  // Counts namespace switches: an answer for a namespace no longer shown is dropped.
  var view = 0;

  function token() { return sessionStorage.getItem(TOKEN_KEY); }
  function ns() { var other = $('ns-other').value.trim(); return other || $('ns').value; }
  function itemPath(key) { return '/v1/' + encodeURIComponent(ns()) + '/items/' + key.split('/').map(encodeURIComponent).join('/'); }
  function may(scope) { return !!caps && caps.scopes.indexOf(scope) >= 0; }
  // Stats, flush and unprefixed listings are namespace-wide: a token limited to a key prefix may not.
  function wide() { return !!caps && caps.prefix === null; }

  function say(text, isError) {
    $('status').textContent = text;
    $('status').className = isError ? 'error' : '';
  }

  async function call(method, path, body, headers) {
    var h = Object.assign({ authorization: 'Bearer ' + token() }, headers || {});
    var response = await fetch(path, { method: method, headers: h, body: body, cache: 'no-store' });
    if (response.status >= 400 && response.status !== 404) {
      var message = 'HTTP ' + response.status;
      try { var e = await response.json(); message = e.error.code + ': ' + e.error.message; } catch (err) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  function bars(container, stats) {
    container.replaceChildren();
    var total = Math.max(stats.reads + stats.writes + stats.deletes, 1);
    var rows = [
      ['hits', stats.hits, ''], ['misses', stats.misses + stats.notFound, 'miss'],
      ['stale', stats.stale.grace + stats.stale.error, 'miss'], ['writes', stats.writes, 'other'], ['deletes', stats.deletes, 'other']
    ];
    var ratio = document.createElement('p');
    ratio.className = 'ratio';
    ratio.textContent = 'hit ratio ' + (stats.hitRatio * 100).toFixed(1) + ' % of ' + stats.reads + ' reads';
    container.appendChild(ratio);
    rows.forEach(function (row) {
      var bar = document.createElement('div');
      bar.className = 'bar ' + row[2];
      bar.dataset.kind = row[0];
      bar.style.width = Math.max(2, Math.round((row[1] / total) * 100)) + '%';
      bar.textContent = row[0] + ' ' + row[1];
      container.appendChild(bar);
    });
  }

  async function loadStats() {
    if (!(may('read') && wide())) return;
    var at = view;
    for (var w of ['1h', '24h']) {
      var response = await call('GET', '/v1/' + encodeURIComponent(ns()) + '/stats?window=' + w);
      if (response.status !== 200) return;
      var stats = await response.json();
      if (at !== view) return;
      bars($('chart-' + w), stats);
      $('stats-scope').textContent = stats.scope === 'deployment' ? 'Counts of every location.' : 'Counts of the Worker instance that answered (no Analytics Engine SQL API configured).';
    }
  }

  async function listKeys(more) {
    if (!may('read')) return;
    var at = view;
    if (!more) { cursor = null; $('keys').replaceChildren(); }
    var q = '?limit=50&prefix=' + encodeURIComponent($('prefix').value) + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    var response = await call('GET', '/v1/' + encodeURIComponent(ns()) + '/keys' + q);
    var page = await response.json();
    if (at !== view) return;
    if (!more) $('keys').replaceChildren();
    page.keys.forEach(function (k) {
      var li = document.createElement('li');
      li.textContent = k.key + ' (' + k.size + ' bytes)';
      li.addEventListener('click', function () { openItem(k.key).catch(fail); });
      $('keys').appendChild(li);
    });
    cursor = page.cursor;
    $('more').hidden = !cursor;
  }

  function meta(name, value) {
    var dt = document.createElement('dt'); dt.textContent = name;
    var dd = document.createElement('dd'); dd.textContent = value;
    $('item-meta').append(dt, dd);
  }

  async function openItem(key) {
    openKey = key;
    var response = await call('GET', itemPath(key));
    if (response.status === 404) { say('no such item'); $('item').hidden = true; return; }
    var type = response.headers.get('content-type') || 'application/octet-stream';
    var blob = await response.blob();
    if (lastUrl) { URL.revokeObjectURL(lastUrl); lastUrl = null; }
    $('item').hidden = false;
    $('item-key').textContent = key;
    $('item-meta').replaceChildren();
    meta('size', blob.size + ' bytes');
    meta('type', type);
    var expires = response.headers.get('x-expires-at');
    meta('expires', expires ? new Date(Number(expires) * 1000).toISOString() : 'never');
    meta('ETag', response.headers.get('etag') || '');
    // Tags and metadata are the writer's text: shown as text, exactly as the API answers them.
    var tags = response.headers.get('x-tags');
    if (tags) meta('tags', tags);
    var itemMeta = response.headers.get('x-meta');
    if (itemMeta) meta('metadata', itemMeta);
    var essence = type.split(';')[0].trim().toLowerCase();
    // The types the API itself shows inline (content-safety.ts); text/html and the like are downloaded.
    var text = essence === 'text/plain' || essence === 'text/csv' || essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
    var image = /^image\/(png|jpeg|gif|webp|avif)$/.test(essence);
    $('item-text').hidden = !text;
    $('item-image').hidden = !image;
    $('item-download').hidden = text || image;
    $('item-text').textContent = text ? await blob.text() : '';
    $('item-image').removeAttribute('src');
    if (image || !text) {
      // Re-typed so that the browser can only show an image or save a file, never render a page.
      lastUrl = URL.createObjectURL(new Blob([blob], { type: image ? essence : 'application/octet-stream' }));
      if (image) $('item-image').src = lastUrl;
      else { $('item-download').href = lastUrl; $('item-download').download = key.split('/').pop() || 'value'; }
    }
  }

  function fail(err) { say(err.message, true); }

  function describe(c) {
    if (c.admin) return 'admin token';
    var where = c.namespaces[0] === '*' ? 'every namespace' : c.namespaces.join(', ');
    return c.scopes.join(', ') + ' on ' + where + (c.prefix === null ? '' : ', keys under ' + c.prefix) + ', until ' + new Date(c.expiresAt * 1000).toISOString();
  }

  // Offers only what the token may do: the sections it may not use are hidden.
  function offer() {
    var every = caps.namespaces[0] === '*';
    $('who').textContent = describe(caps);
    $('ns-other-field').hidden = !every;
    $('traffic').hidden = !(may('read') && wide());
    $('keys-section').hidden = !may('read');
    $('item-actions').hidden = !may('write');
    $('set-section').hidden = !may('write');
    $('flush-section').hidden = !(may('flush') && wide());
    $('mint-section').hidden = !caps.admin;
    if (caps.prefix !== null) { $('prefix').value = caps.prefix; $('set-key').value = caps.prefix; }
  }

  async function loadNamespaces(more) {
    if (!more) { nsCursor = null; $('ns').replaceChildren(); }
    var response = await call('GET', '/v1/namespaces' + (nsCursor ? '?after=' + encodeURIComponent(nsCursor) : ''));
    var page = await response.json();
    page.namespaces.forEach(function (name) {
      var option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      $('ns').appendChild(option);
    });
    nsCursor = page.cursor;
    $('ns-more').hidden = !nsCursor;
  }

  async function signedIn() {
    var has = !!token();
    $('signin').hidden = has;
    $('app').hidden = !has;
    $('who').textContent = '';
    caps = null;
    if (!has) return;
    try {
      caps = await (await call('GET', '/v1/token')).json();
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('signin').hidden = false;
      $('app').hidden = true;
      $('signin-error').textContent = err.message;
      return;
    }
    offer();
    // Still "loading" until the list is in: a namespace picked meanwhile would be cleared by it.
    say('loading namespaces…');
    await loadNamespaces(false);
    if (ns()) refreshAll();
    else say('no namespace yet: type one to open it');
  }

  function refreshAll() {
    var at = ++view;
    $('item').hidden = true;
    $('keys').replaceChildren();
    $('more').hidden = true;
    $('chart-1h').replaceChildren();
    $('chart-24h').replaceChildren();
    say('loading ' + ns() + '…');
    Promise.all([loadStats(), listKeys(false)]).then(function () { if (at === view) say(''); }).catch(fail);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('signin-form').addEventListener('submit', function (e) {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('token').value = '';
      $('signin-error').textContent = '';
      signedIn().catch(fail);
    });
    $('signout').addEventListener('click', function () { sessionStorage.removeItem(TOKEN_KEY); signedIn().catch(fail); });
    $('ns-form').addEventListener('submit', function (e) { e.preventDefault(); refreshAll(); });
    $('ns').addEventListener('change', function () { $('ns-other').value = ''; refreshAll(); });
    $('ns-more').addEventListener('click', function () { loadNamespaces(true).catch(fail); });
    $('refresh').addEventListener('click', function () { loadStats().catch(fail); });
    $('keys-form').addEventListener('submit', function (e) { e.preventDefault(); listKeys(false).catch(fail); });
    $('more').addEventListener('click', function () { listKeys(true).catch(fail); });
    $('set-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var key = $('set-key').value;
      var ttl = $('set-ttl').value.trim();
      call('PUT', itemPath(key) + (ttl ? '?ttl=' + encodeURIComponent(ttl) : ''), $('set-value').value, { 'content-type': 'text/plain; charset=utf-8' })
        .then(function () { say('stored'); return listKeys(false); }).catch(fail);
    });
    $('item-expire').addEventListener('click', function () {
      call('POST', itemPath(openKey) + '?op=expire').then(function () { say('expired'); return openItem(openKey); }).catch(fail);
    });
    $('item-delete').addEventListener('click', function () {
      call('DELETE', itemPath(openKey)).then(function () { say('deleted'); $('item').hidden = true; return listKeys(false); }).catch(fail);
    });
    $('flush').addEventListener('click', function () {
      if (!window.confirm('Flush every item of the namespace ' + ns() + '?')) return;
      call('POST', '/v1/' + encodeURIComponent(ns()) + '/flush').then(function () { say('flushed'); return listKeys(false); }).catch(fail);
    });
    $('mint-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var scopes = Array.from(document.querySelectorAll('input[name=scope]:checked')).map(function (i) { return i.value; });
      var body = { namespaces: [ns()], scopes: scopes };
      if ($('mint-prefix').value) body.prefix = $('mint-prefix').value;
      if ($('mint-ttl').value.trim()) body.ttl = Number($('mint-ttl').value.trim());
      call('POST', '/v1/tokens', JSON.stringify(body), { 'content-type': 'application/json' })
        .then(function (r) { return r.json(); }).then(function (m) { $('minted').textContent = m.token; say('minted'); }).catch(fail);
    });
    signedIn().catch(fail);
  });
})();
`;
