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

// Comments: reply in place, remember the reader on request, fresh form token, and sending without a reload.
// Without this script the form posts normally and the server redirects back to the comment.
(function () {
  var form = document.querySelector('[data-comment-form]');
  if (!form || !window.fetch) return;
  var respond = document.getElementById('respond');
  var title = document.getElementById('reply-title');
  var status = form.querySelector('.comment-status');
  var parent = form.querySelector('input[name=parent]');
  var original = title ? title.textContent : '';
  var ar = document.documentElement.lang === 'ar';
  var KEY = 'safir-commenter';

  try {
    var saved = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (saved) {
      ['author', 'email', 'url'].forEach(function (n) {
        if (saved[n] && !form.elements[n].value) form.elements[n].value = saved[n];
      });
      form.elements.remember.checked = true;
    }
  } catch (e) {}

  // The page may come from a cache: ask for a token issued now.
  var tokenFetched = false;
  form.addEventListener('focusin', function () {
    if (tokenFetched) return;
    tokenFetched = true;
    fetch(form.action + '/token', { credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (d) {
        if (d && d.token) form.elements.token.value = d.token;
      })
      .catch(function () {});
  });

  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('[data-reply-to]');
    if (!link) return;
    e.preventDefault();
    parent.value = link.dataset.replyTo;
    link.closest('article').after(respond);
    if (title) title.textContent = (ar ? 'الرد على ' : 'Reply to ') + link.dataset.replyName;
    form.elements.comment.focus();
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    form.querySelectorAll('.field-error.js').forEach(function (n) {
      n.remove();
    });
    fetch(form.action, {
      method: 'POST',
      body: data,
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    })
      .then(function (r) {
        return r.json().then(function (d) {
          return { ok: r.ok, d: d };
        });
      })
      .then(function (res) {
        button.disabled = false;
        if (!res.ok) {
          var err = res.d.errors && res.d.errors[0];
          status.textContent = err ? err.message : '';
          var input = err && err.field && form.elements[err.field];
          if (input) {
            var note = document.createElement('span');
            note.className = 'field-error js';
            note.textContent = err.message;
            input.before(note);
            input.focus();
          }
          return;
        }
        try {
          if (form.elements.remember.checked)
            localStorage.setItem(
              KEY,
              JSON.stringify({
                author: form.elements.author.value,
                email: form.elements.email.value,
                url: form.elements.url.value,
              }),
            );
          else localStorage.removeItem(KEY);
        } catch (x) {}
        var c = res.d.comment;
        var li = document.createElement('li');
        li.id = 'comment-' + c.id;
        li.className = 'comment' + (c.status === 'pending' ? ' comment-pending' : '');
        var article = document.createElement('article');
        var by = document.createElement('p');
        by.className = 'comment-author';
        by.textContent = c.author_name;
        var body = document.createElement('div');
        body.className = 'comment-body';
        body.setAttribute('dir', 'auto');
        body.innerHTML = c.html; // made by the server from escaped text
        article.append(by, body);
        if (c.status === 'pending') {
          var note = document.createElement('p');
          note.className = 'notice';
          note.textContent = res.d.message;
          article.append(note);
        }
        li.append(article);
        var list = parent.value && document.getElementById('comment-' + parent.value);
        var target;
        if (list) {
          target = list.querySelector(':scope > ol.comment-replies');
          if (!target) {
            target = document.createElement('ol');
            target.className = 'comment-replies';
            list.append(target);
          }
        } else {
          target = document.querySelector('.comment-list');
          if (!target) {
            target = document.createElement('ol');
            target.className = 'comment-list';
            document.getElementById('comments-title').after(target);
          }
        }
        target.append(li);
        form.elements.comment.value = '';
        parent.value = '';
        if (title) title.textContent = original;
        status.textContent = res.d.message;
        tokenFetched = false;
      })
      .catch(function () {
        button.disabled = false;
        form.submit();
      });
  });
})();
