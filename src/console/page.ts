/**
 * The console's page: markup only. Its script and style are separate answers of the Worker
 * (`/console/console.js`, `/console/console.css`), so its policy allows no inline script at all.
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CloudCached console</title>
<link rel="stylesheet" href="/console/console.css">
<script src="/console/console.js" defer></script>
</head>
<body>
<header><h1>CloudCached</h1><span id="who"></span></header>
<section id="signin">
  <h2>Sign in</h2>
  <p>Paste a token (the admin token or one from <code>POST /v1/tokens</code>). It is kept in this tab only.</p>
  <form id="signin-form"><input id="token" type="password" autocomplete="off" placeholder="token" required>
  <button type="submit">Sign in</button></form>
  <p id="signin-error" class="error" role="alert"></p>
</section>
<main id="app" hidden>
  <form id="ns-form"><label>Namespace <select id="ns"></select></label>
  <span id="ns-other-field" hidden><label>or another <input id="ns-other" placeholder="namespace"></label></span>
  <button type="submit">Open</button> <button type="button" id="ns-more" hidden>More namespaces</button>
  <button type="button" id="signout">Sign out</button></form>
  <p id="status" role="status"></p>
  <section id="traffic" hidden><h2>Traffic</h2>
    <div class="charts"><figure><figcaption>Last hour</figcaption><div id="chart-1h" class="chart"></div></figure>
    <figure><figcaption>Last day</figcaption><div id="chart-24h" class="chart"></div></figure></div>
    <p id="stats-scope"></p><button type="button" id="refresh">Refresh</button>
  </section>
  <section id="keys-section" hidden><h2>Keys</h2>
    <form id="keys-form"><input id="prefix" placeholder="prefix"> <button type="submit">List</button></form>
    <ul id="keys"></ul><button type="button" id="more" hidden>More</button>
  </section>
  <section id="item" hidden><h2>Item <code id="item-key"></code></h2>
    <dl id="item-meta"></dl><pre id="item-text" hidden></pre><img id="item-image" alt="" hidden>
    <a id="item-download" hidden>Download</a>
    <p id="item-actions"><button type="button" id="item-expire">Expire</button> <button type="button" id="item-delete">Delete</button></p>
  </section>
  <section id="set-section" hidden><h2>Set an item</h2>
    <form id="set-form"><input id="set-key" placeholder="key" required> <input id="set-ttl" placeholder="ttl (s)" inputmode="numeric">
    <textarea id="set-value" placeholder="value"></textarea><button type="submit">Set</button></form>
  </section>
  <section id="flush-section" hidden><h2>Flush</h2><button type="button" id="flush">Flush this namespace…</button></section>
  <section id="mint-section" hidden><h2>Mint a token</h2>
    <form id="mint-form"><label><input type="checkbox" name="scope" value="read" checked> read</label>
    <label><input type="checkbox" name="scope" value="write"> write</label>
    <label><input type="checkbox" name="scope" value="flush"> flush</label>
    <input id="mint-prefix" placeholder="key prefix (optional)"> <input id="mint-ttl" placeholder="ttl (s)" inputmode="numeric">
    <button type="submit">Mint</button></form><pre id="minted"></pre>
  </section>
</main>
</body>
</html>
`;

export const CONSOLE_CSS = `body{font:15px system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}
header{display:flex;gap:1rem;align-items:baseline}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
.charts{display:flex;gap:2rem;flex-wrap:wrap}.chart{width:18rem}.bar{height:1.2rem;margin:2px 0;background:#3b82f6;color:#fff;font-size:.8rem;white-space:nowrap;padding:0 4px;min-width:max-content}
.bar.miss{background:#f59e0b}.bar.other{background:#9ca3af}#keys li{cursor:pointer}#keys li:hover{text-decoration:underline}
pre{background:#f3f4f6;padding:.5rem;overflow:auto;max-height:20rem;white-space:pre-wrap;word-break:break-all}
#item-image{max-width:100%;max-height:20rem}textarea{display:block;width:100%;min-height:5rem;margin:.5rem 0}
#status.error,.error{color:#b91c1c}#who{color:#555;font-size:.9rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
`;

/**
 * The console's own policy: its script and style from this origin only, API calls to this origin,
 * images from blob: (a previewed value), nothing inline, never framed.
 */
export const CONSOLE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
