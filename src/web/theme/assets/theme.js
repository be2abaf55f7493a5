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

// Search suggestions as you type: titles from the search API under the box. The form works without this.
(function () {
  var input = document.querySelector('[data-search-suggest]');
  var list = document.getElementById('search-suggestions');
  if (!input || !list || !window.fetch) return;
  var timer;
  var latest = 0;
  function clear() {
    list.hidden = true;
    list.textContent = '';
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) return clear();
    timer = setTimeout(function () {
      var mine = ++latest;
      fetch('/api/v1/search?limit=5&q=' + encodeURIComponent(q))
        .then(function (r) {
          return r.ok ? r.json() : { results: [] };
        })
        .then(function (data) {
          if (mine !== latest) return;
          list.textContent = '';
          (data.results || []).forEach(function (r) {
            var li = document.createElement('li');
            var a = document.createElement('a');
            a.href = r.url;
            a.textContent = r.title;
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = !list.children.length;
        })
        .catch(clear);
    }, 200);
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') clear();
    if (e.key === 'ArrowDown' && !list.hidden) {
      e.preventDefault();
      list.querySelector('a').focus();
    }
  });
  list.addEventListener('keydown', function (e) {
    var links = Array.prototype.slice.call(list.querySelectorAll('a'));
    var i = links.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && i < links.length - 1) {
      e.preventDefault();
      links[i + 1].focus();
    }
    if (e.key === 'ArrowUp') {
      e.preventDefault();
      (i > 0 ? links[i - 1] : input).focus();
    }
    if (e.key === 'Escape') {
      clear();
      input.focus();
    }
  });
  document.addEventListener('click', function (e) {
    if (!input.form.contains(e.target)) clear();
  });
})();

// Videos in articles are links until the reader asks for the player: no request to the video site before that.
(function () {
  var players = {
    youtube: function (id) {
      return 'https://www.youtube-nocookie.com/embed/' + id + '?autoplay=1';
    },
    vimeo: function (id) {
      return 'https://player.vimeo.com/video/' + id + '?autoplay=1&dnt=1';
    },
  };
  var label = document.documentElement.lang === 'ar' ? 'شغّل الفيديو (يُحمَّل من ' : 'Play the video (loads from ';
  document.querySelectorAll('figure.embed[data-embed]').forEach(function (figure) {
    var make = players[figure.dataset.embed];
    var id = figure.dataset.embedId;
    if (!make || !id) return;
    var title = figure.textContent.trim() || figure.dataset.embed;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'embed-play';
    button.textContent = label + figure.dataset.embed + ')';
    button.addEventListener('click', function () {
      var frame = document.createElement('iframe');
      frame.src = make(id);
      frame.title = title;
      frame.allow = 'autoplay; fullscreen; picture-in-picture';
      frame.setAttribute('allowfullscreen', '');
      frame.loading = 'lazy';
      figure.replaceChildren(frame);
    });
    figure.prepend(button);
  });
})();
