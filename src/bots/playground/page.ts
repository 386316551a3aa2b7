/**
 * The playground's one page: HTML, CSS and a little plain JavaScript (no framework, no build
 * step). Replies arrive as HTML rendered on the server from the Reply tree (render-html.ts); the
 * page only places them, wires buttons back as actions and keeps track of threads.
 */
export const PLAYGROUND_PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Workroom playground</title>
<style>
  :root { --aubergine: #3f0e40; --ink: #1d1c1d; --muted: #616061; --line: #e8e8e8; --accent: #1264a3; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); display: grid; grid-template-columns: 280px 1fr; height: 100vh; }
  aside { background: var(--aubergine); color: #fff; padding: 1rem; overflow: auto; }
  aside h1 { font-size: 1.1rem; margin: 0 0 .25rem; }
  aside p { color: #cfc3cf; font-size: .85rem; margin: .25rem 0 1rem; }
  aside label { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #cfc3cf; }
  aside select { width: 100%; margin: .35rem 0 1rem; padding: .4rem; font: inherit; border-radius: 6px; }
  #whoami { background: rgba(255,255,255,.1); border-radius: 6px; padding: .6rem; font-size: .9rem; }
  #examples button { display: block; width: 100%; text-align: left; margin: .3rem 0; background: rgba(255,255,255,.08); color: #fff; border: 1px solid rgba(255,255,255,.2); border-radius: 6px; padding: .35rem .5rem; font: .85rem ui-monospace, monospace; cursor: pointer; }
  main { display: grid; grid-template-rows: auto 1fr auto; min-height: 0; }
  header { border-bottom: 1px solid var(--line); padding: .7rem 1.2rem; font-weight: 600; }
  #log { overflow: auto; padding: 1rem 1.2rem; }
  .msg { margin: 0 0 1rem; max-width: 52rem; }
  .msg .who { font-weight: 700; } .msg .who small { color: var(--muted); font-weight: 400; margin-left: .4rem; }
  .msg.user .body { white-space: pre-wrap; }
  .msg.note { color: var(--muted); font-style: italic; }
  .thread-tag { font-size: .75rem; color: var(--accent); }
  .reply h3 { margin: .2rem 0 .4rem; font-size: 1rem; }
  .reply p { margin: .25rem 0; }
  .reply .context { color: var(--muted); font-size: .85rem; }
  .reply blockquote { margin: .4rem 0; padding: .1rem .8rem; border-left: 4px solid #ddd; }
  .reply dl.fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .3rem 1rem; margin: .4rem 0; }
  .reply dt { font-weight: 600; font-size: .85rem; } .reply dd { margin: 0; }
  .reply .list-title { font-weight: 600; margin-top: .5rem; }
  .reply ul { margin: .2rem 0; padding-left: 1.2rem; }
  .reply ol.citations { font-size: .85rem; padding-left: 1.6rem; margin: .4rem 0; }
  .reply ol.citations q { display: block; color: var(--muted); }
  .reply.ephemeral { border-left: 3px solid #e0c36b; padding-left: .6rem; }
  .reply .visibility { font-size: .75rem; color: #8a6d1a; margin: 0; }
  .buttons { display: flex; flex-wrap: wrap; gap: .4rem; margin: .5rem 0; }
  .buttons button { font: inherit; font-size: .85rem; padding: .3rem .7rem; border-radius: 6px; border: 1px solid #ccc; background: #fff; cursor: pointer; }
  .buttons button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
  .buttons button.danger { color: #e01e5a; border-color: #e01e5a; }
  .buttons button:disabled { opacity: .5; cursor: default; }
  /* Numbered across the reply: typing the number picks the button. */
  .reply { counter-reset: choice; }
  .buttons button.action::before { counter-increment: choice; content: counter(choice) " · "; opacity: .7; }
  .reply-in-thread { font-size: .8rem; color: var(--accent); background: none; border: 0; padding: 0; cursor: pointer; }
  form { border-top: 1px solid var(--line); padding: .8rem 1.2rem; }
  #thread-banner { display: none; font-size: .8rem; color: var(--accent); margin-bottom: .3rem; }
  #thread-banner button { font-size: .8rem; border: 0; background: none; color: var(--muted); cursor: pointer; }
  form .row { display: flex; gap: .5rem; }
  form input { flex: 1; font: inherit; padding: .6rem .7rem; border: 1px solid #bbb; border-radius: 8px; }
  form button[type=submit] { font: inherit; padding: .5rem 1rem; border: 0; border-radius: 8px; background: #007a5a; color: #fff; cursor: pointer; }
  .msg, .reply { overflow-wrap: anywhere; min-width: 0; }
  main, #log { min-width: 0; }
  /* A phone: the person picker above the chat, the chat the rest of the screen. */
  @media (max-width: 700px) {
    body { grid-template-columns: minmax(0, 1fr); grid-template-rows: auto minmax(0, 1fr); height: 100dvh; }
    aside { padding: .6rem .8rem; max-height: 35dvh; }
    aside p, #examples { display: none; }
    aside select { margin-bottom: .4rem; }
    header { padding: .5rem .8rem; }
    #log { padding: .7rem .8rem; }
    form { padding: .6rem .8rem; }
    form input { min-width: 0; }
    .reply dl.fields { grid-template-columns: minmax(0, 1fr); }
  }
</style>
</head>
<body>
<aside>
  <h1>Workroom playground</h1>
  <p>Talk to Workroom as anyone in the demo agencies. Every reply runs under that person's tenant and role (PostgreSQL row-level security), exactly as in Slack and Teams.</p>
  <label for="person">Act as</label>
  <select id="person" data-testid="person"></select>
  <div id="whoami" data-testid="whoami"></div>
  <p>Try:</p>
  <div id="examples">
    <button type="button">/timesheet 2h Aurora Air Spring Launch</button>
    <button type="button">/timesheet</button>
    <button type="button">/campaign aurora air spring launch</button>
    <button type="button">@workroom How many quotes do I need for a purchase order over 10k?</button>
    <button type="button">/ask When do I have to get my timesheet in by?</button>
    <button type="button">/digest now</button>
    <button type="button">/workroom help</button>
  </div>
</aside>
<main>
  <header>#playground</header>
  <div id="log" data-testid="log" aria-live="polite"></div>
  <form id="composer">
    <div id="thread-banner" data-testid="thread-banner">Replying in thread <button type="button" id="leave-thread">× leave thread</button></div>
    <div class="row">
      <input id="text" data-testid="composer" autocomplete="off" placeholder="/timesheet 3h Aurora Air, /campaign …, or @workroom a question">
      <button type="submit">Send</button>
    </div>
  </form>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id)
  const log = $('log'), person = $('person'), text = $('text')
  let people = new Map(), thread = null

  function add(kind, who, html, opts = {}) {
    const div = document.createElement('div')
    div.className = 'msg ' + kind
    if (opts.testid) div.dataset.testid = opts.testid
    const head = document.createElement('div')
    head.className = 'who'
    head.textContent = who
    if (opts.thread) { const t = document.createElement('span'); t.className = 'thread-tag'; t.textContent = ' · in thread'; head.append(t) }
    div.append(head)
    const body = document.createElement('div')
    body.className = 'body'
    if (opts.text !== undefined) body.textContent = opts.text; else body.innerHTML = html
    div.append(body)
    log.append(div)
    log.scrollTop = log.scrollHeight
    return div
  }

  function setThread(id) {
    thread = id
    $('thread-banner').style.display = id ? 'block' : 'none'
    text.focus()
  }

  async function send(payload, threadId, opts = {}) {
    const me = person.value
    const res = await fetch('/playground/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: me, threadId, ...payload }) })
    const data = await res.json()
    if (!res.ok) { add('note', 'Workroom', '', { text: data.error || 'Something went wrong.' }); return }
    const div = add('bot', 'Workroom', data.html, { testid: 'bot-reply', thread: opts.inThread })
    div.dataset.thread = data.threadId
    div.querySelectorAll('button.action').forEach((b) => b.addEventListener('click', async () => {
      div.querySelectorAll('button.action').forEach((x) => { x.disabled = true })
      await send({ action: { actionId: b.dataset.actionId, payload: b.dataset.payload } }, data.threadId, { inThread: true })
    }))
    if (payload.text && !payload.text.startsWith('/timesheet')) {
      const r = document.createElement('button')
      r.type = 'button'; r.className = 'reply-in-thread'; r.textContent = 'Reply in thread'; r.dataset.testid = 'reply-in-thread'
      r.addEventListener('click', () => setThread(data.threadId))
      div.append(r)
    }
  }

  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault()
    const value = text.value.trim()
    if (!value) return
    text.value = ''
    const p = people.get(person.value)
    add('user', p.name, '', { text: value, thread: Boolean(thread), testid: 'user-message' })
    // A number picks that choice of the last reply that offered any, as the terminal does.
    const choice = /^[1-9]$/.test(value) && [...log.querySelectorAll('[data-testid=bot-reply]')].reverse()
      .map((d) => [...d.querySelectorAll('button.action:not(:disabled)')]).find((bs) => bs.length)?.[Number(value) - 1]
    if (choice) { choice.click(); return }
    await send({ text: value }, thread, { inThread: Boolean(thread) })
  })
  $('leave-thread').addEventListener('click', () => setThread(null))
  document.querySelectorAll('#examples button').forEach((b) => b.addEventListener('click', () => { text.value = b.textContent; text.focus() }))

  function describe() {
    const p = people.get(person.value)
    $('whoami').textContent = p.name + ' · ' + p.role + (p.department ? ' · ' + p.department : '') + ' · ' + p.tenantName
  }
  person.addEventListener('change', () => {
    describe()
    setThread(null)
    add('note', '', '', { text: 'Now acting as ' + people.get(person.value).name + ' (' + people.get(person.value).role + ', ' + people.get(person.value).tenantName + ').' })
  })

  fetch('/playground/people').then((r) => r.json()).then(({ tenants }) => {
    const order = ['leadership', 'finance', 'pm', 'admin', 'account', 'creative']
    for (const t of tenants) {
      for (const role of order) {
        const group = document.createElement('optgroup')
        group.label = t.name + ' — ' + role
        for (const p of t.people.filter((x) => x.role === role)) {
          people.set(p.email, { ...p, tenantName: t.name })
          group.append(new Option(p.name + (p.department ? ' (' + p.department + ')' : ''), p.email))
        }
        if (group.children.length) person.append(group)
      }
    }
    describe()
    document.body.dataset.ready = 'true'
  })
})()
</script>
</body>
</html>`
