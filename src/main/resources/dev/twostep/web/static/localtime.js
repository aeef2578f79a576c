// Shows the times of the activity list in the browser's own time zone. The server renders them in UTC,
// which is what the page shows without this script.
(function () {
  "use strict";
  var times = document.querySelectorAll("time[datetime]");
  Array.prototype.forEach.call(times, function (time) {
    var at = new Date(time.getAttribute("datetime"));
    if (isNaN(at.getTime())) {
      return;
    }
    time.textContent = at.toLocaleString(document.documentElement.lang || undefined,
        { dateStyle: "medium", timeStyle: "short" });
    time.title = time.getAttribute("datetime");
  });
})();
