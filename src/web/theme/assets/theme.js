// Light/dark toggle. The page reads fine without it; the choice is kept per browser.
(function () {
  var root = document.documentElement;
  var button = document.querySelector('[data-theme-toggle]');
  if (!button) return;
  function current() {
    return root.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  }
  function show() {
    button.setAttribute('aria-pressed', String(current() === 'dark'));
  }
  button.hidden = false;
  show();
  button.addEventListener('click', function () {
    var next = current() === 'dark' ? 'light' : 'dark';
    root.dataset.theme = next;
    try {
      localStorage.setItem('safir-theme', next);
    } catch (e) {}
    show();
  });
})();
