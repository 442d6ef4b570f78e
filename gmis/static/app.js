// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (event) {
  // 5xx and network errors: tell the user instead of failing silently.
  var box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("p");
    box.id = "htmx-error";
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    document.getElementById("main").prepend(box);
  }
  box.textContent = "通信に失敗しました。時間をおいて再度お試しください。入力内容は保持されています。";
});

// Print buttons of print-ready views (the page is also printable from the browser's menu).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// On a phone the section steps scroll sideways: keep the current one in view, moving
// only the row of steps (never the page the person is reading).
function showCurrentStep() {
  var current = document.querySelector(".section-steps .current");
  var row = current && current.parentElement;
  if (row && row.scrollWidth > row.clientWidth) {
    row.scrollLeft = current.offsetLeft - row.offsetLeft - (row.clientWidth - current.clientWidth) / 2;
  }
}
document.addEventListener("DOMContentLoaded", showCurrentStep);
document.addEventListener("htmx:afterSettle", showCurrentStep);
