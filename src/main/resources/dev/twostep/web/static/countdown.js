// Counts down the wait before a new code can be asked for. The server renders the button disabled with
// the time left; this only updates the text each second and enables the button when the wait is over.
// The page works the same without it: a reload shows the time left, or the enabled button.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-wait]");
  Array.prototype.forEach.call(buttons, function (button) {
    var left = parseInt(button.getAttribute("data-wait"), 10);
    var waiting = button.getAttribute("data-waiting") || "";
    var ready = button.getAttribute("data-ready") || button.textContent;
    if (!(left > 0)) {
      return;
    }
    var end = Date.now() + left * 1000;
    function show() {
      var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (seconds === 0) {
        button.disabled = false;
        button.textContent = ready;
        return;
      }
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      button.textContent = waiting.replace("{0}", m + ":" + (s < 10 ? "0" : "") + s);
      setTimeout(show, 250);
    }
    show();
  });
})();
