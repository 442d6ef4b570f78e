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

// --- The fill page (surveys/_form.html) --------------------------------------------------
// Every section is in the form. 前へ/次へ and the steps are submit buttons (a save and a
// redirect without JavaScript); here they switch the section in the page, with no request.
var fillForm = {
  // Input since the last save that reached the server; "edits" counts it so that typing
  // during a save keeps the page marked as unsaved.
  edits: 0,
  savedEdits: 0,
  get dirty() { return this.edits !== this.savedEdits; }
};

function surveyForm(element) {
  return element && element.closest && element.closest("#survey-form");
}

function showSection(form, key) {
  var target = form.querySelector('.survey-section[data-section="' + key + '"]');
  if (!target) {
    return false;
  }
  form.querySelectorAll(".survey-section").forEach(function (section) {
    section.hidden = section !== target;
  });
  form.elements.section.value = key;
  form.querySelectorAll(".section-steps button[name=goto]").forEach(function (step) {
    var current = step.value === key;
    step.parentElement.classList.toggle("current", current);
    if (current) {
      step.setAttribute("aria-current", "step");
    } else {
      step.removeAttribute("aria-current");
    }
  });
  var url = new URL(window.location.href);
  url.searchParams.set("section", key);
  history.replaceState(history.state, "", url);
  showCurrentStep();
  if (fillForm.dirty) {
    htmx.trigger(document.getElementById("autosave-status"), "sectionchange");
  }
  return target;
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("button[name=goto]");
  var form = surveyForm(button);
  if (form && window.htmx) {
    var target = showSection(form, button.value);
    if (target) {
      event.preventDefault();
      event.stopPropagation();
      form.scrollIntoView({ block: "start" });
      target.querySelector("h2").focus({ preventScroll: true });
    }
    return;
  }
  // A message of the error summary: open the section holding its field, then follow it.
  var link = event.target.closest(".error-summary a[data-section]");
  form = surveyForm(link);
  if (form && link.dataset.section) {
    showSection(form, link.dataset.section);
  }
}, true);

document.addEventListener("input", function (event) {
  if (surveyForm(event.target)) {
    fillForm.edits += 1;
  }
});
document.addEventListener("change", function (event) {
  if (surveyForm(event.target)) {
    fillForm.edits += 1;
  }
});

// A save (automatic or pressed) or a submission that the server took: what was typed
// before it was sent is safe. A field check saves nothing; a conflict keeps the input
// unsaved on the page.
document.addEventListener("htmx:beforeRequest", function (event) {
  event.detail.xhr.gmisEdits = fillForm.edits;
});
document.addEventListener("htmx:afterRequest", function (event) {
  var detail = event.detail;
  var path = detail.requestConfig && detail.requestConfig.path || "";
  if (!surveyForm(detail.elt) && detail.elt.id !== "autosave-status") {
    return;
  }
  if (/\/validate(\?|$)/.test(path) || detail.requestConfig.verb !== "post") {
    return;
  }
  var status = detail.xhr.status;
  if (status < 300 || status === 422) {
    fillForm.savedEdits = Math.max(fillForm.savedEdits, detail.xhr.gmisEdits || 0);
  }
});
document.addEventListener("submit", function (event) {
  // A plain POST of the form (no htmx) leaves the page on purpose, with the input.
  if (surveyForm(event.target)) {
    fillForm.savedEdits = fillForm.edits;
  }
});
window.addEventListener("beforeunload", function (event) {
  if (document.getElementById("survey-form") && fillForm.dirty) {
    event.preventDefault();
    event.returnValue = "";
  }
});
