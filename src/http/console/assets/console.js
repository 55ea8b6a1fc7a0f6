// otpgate console: the little the server-rendered pages need from a script (CSP: script-src 'self').
// 1. Live template preview: asks the server (which asks the API) as the text changes.
// 2. Confirmation before destructive forms (data-confirm).
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const form = document.querySelector('form[data-preview]');
  if (form) {
    const text = form.querySelector('textarea');
    const out = document.getElementById('preview');
    const facts = document.getElementById('preview-facts');
    let timer = 0;
    let seq = 0;
    const update = async () => {
      const mine = ++seq;
      const res = await fetch(form.getAttribute('data-preview'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ text: text.value }),
        credentials: 'same-origin',
      });
      if (mine !== seq) return;
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        out.textContent = '';
        facts.textContent = body.detail ?? 'Preview failed';
        return;
      }
      out.textContent = body.body ?? '';
      const c = body.check;
      const notes = [...c.errors, ...c.warnings];
      facts.textContent = `${c.encoding} · ${c.segments} segment${c.segments === 1 ? '' : 's'} · ${c.units} units${notes.length ? ' · ' + notes.join('; ') : ''}`;
      facts.className = c.ok && c.segments === 1 && c.warnings.length === 0 ? 'ok' : 'warn';
    };
    text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    });
    update();
  }
  for (const f of document.querySelectorAll('form[data-confirm]')) {
    f.addEventListener('submit', (e) => {
      if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
})();
