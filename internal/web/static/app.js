// mamori 守り — progressive enhancement only. Every page works without this
// file; it only adds conveniences. No dependencies, no inline handlers (the
// Content-Security-Policy forbids them), nothing sent anywhere.
//
//   data-confirm="…"   on a submit button, a form or a link: ask before
//                      going on (window.confirm with that text).
//   data-copy="ID"     on a <button type="button" hidden>: copy the text (or
//                      value) of the element with that id. The button is
//                      hidden until this script shows it, since it does
//                      nothing without script. data-copied="…" is the label
//                      shown for a moment after copying.
//   .error-summary     receives focus on page load, so a screen reader reads
//                      out what to fix first.
(function () {
  "use strict";

  // --- confirm before destructive actions ---
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var button = ev.submitter;
    var message =
      (button && button.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) {
      ev.preventDefault();
    }
  });

  document.addEventListener("click", function (ev) {
    var link = ev.target instanceof Element ? ev.target.closest("a[data-confirm]") : null;
    if (link && !window.confirm(link.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });

  // --- copy to clipboard ---
  var live = null;
  function announce(text) {
    if (!live) {
      live = document.createElement("div");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  // navigator.clipboard needs a secure context (HTTPS or localhost); inside
  // a closed network the server may be plain HTTP, so fall back to
  // selecting the text and execCommand("copy").
  function fallbackCopy(target, text) {
    var ok = false;
    try {
      if (target.select) {
        target.select();
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed: " + text.length));
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var text = ("value" in target && typeof target.value === "string" ? target.value : target.textContent).trim();
    var done;
    if (navigator.clipboard && window.isSecureContext) {
      done = navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(target, text);
      });
    } else {
      done = fallbackCopy(target, text);
    }
    done.then(
      function () {
        var copied = button.getAttribute("data-copied");
        if (!copied) {
          return;
        }
        var label = button.textContent;
        button.textContent = copied;
        announce(copied);
        window.setTimeout(function () {
          button.textContent = label;
        }, 2000);
      },
      function () {
        // The text is selected (when the fallback got that far); the reader
        // can still copy it by hand.
      }
    );
  }

  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });

    var summary = document.querySelector(".error-summary");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) {
        summary.setAttribute("tabindex", "-1");
      }
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
