// mamori 守り — the policy document pages' conveniences. Progressive
// enhancement only: every page works without this file. No inline
// handlers (the Content-Security-Policy forbids them), nothing sent
// anywhere.
//
//   data-wareki="ID"  on a date input: write the chosen date as 和暦
//                     into the element with that id, as the official
//                     document will carry it; data-wareki-format="%s施行"
//                     (from the message catalogue) places it in a phrase.
//                     Japanese pages only: English readers read the date.
//   data-print        on a <button hidden>: show it, and print the page
//                     when it is pressed.
(function () {
  "use strict";

  // The eras from 明治, newest first: name and first day (in Japan).
  var eras = [
    ["令和", 2019, 5, 1],
    ["平成", 1989, 1, 8],
    ["昭和", 1926, 12, 25],
    ["大正", 1912, 7, 30],
    ["明治", 1868, 1, 25]
  ];

  function wareki(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) {
      return "";
    }
    var y = +m[1], mo = +m[2], d = +m[3];
    for (var i = 0; i < eras.length; i++) {
      var e = eras[i];
      if (y > e[1] || (y === e[1] && (mo > e[2] || (mo === e[2] && d >= e[3])))) {
        var ey = y - e[1] + 1;
        return e[0] + (ey === 1 ? "元" : String(ey)) + "年" + mo + "月" + d + "日";
      }
    }
    return y + "年" + mo + "月" + d + "日";
  }

  function show(input) {
    var out = document.getElementById(input.getAttribute("data-wareki"));
    if (!out) {
      return;
    }
    if (document.documentElement.lang !== "ja") {
      return;
    }
    var text = wareki(input.value);
    var format = input.getAttribute("data-wareki-format") || "%s";
    out.textContent = text ? format.replace("%s", text) : "";
  }

  document.querySelectorAll("input[data-wareki]").forEach(function (input) {
    show(input);
    input.addEventListener("input", function () { show(input); });
    input.addEventListener("change", function () { show(input); });
  });

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
