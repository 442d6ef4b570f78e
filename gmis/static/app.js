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

// The address names the section shown, so that a reload or a shared link opens it.
function sectionInAddress(key) {
  var url = new URL(window.location.href);
  if (key && url.searchParams.get("section") !== key) {
    url.searchParams.set("section", key);
    history.replaceState(history.state, "", url);
  }
}
document.addEventListener("htmx:afterSwap", function () {
  // A form the server sent (after a save, or a refused submission opening its first error).
  var form = document.getElementById("survey-form");
  if (form && form.elements.section) {
    sectionInAddress(form.elements.section.value);
  }
});

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
  sectionInAddress(key);
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
  // Only answers count: a filter box above a long list has no name and is not sent.
  if (surveyForm(event.target) && event.target.name) {
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
// A field's check answers with its wrapper, which replaces the one on the page. In a table
// or a repeating group the person may have typed in another cell of the same wrapper while
// the check was on its way: keep that input, and the focus, across the swap.
function inputValues(element) {
  var values = {};
  element.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
    if (input.type === "radio" || input.type === "checkbox") {
      values[input.id || input.name + "=" + input.value] = input.checked;
    } else {
      values[input.id || input.name] = input.value;
    }
  });
  return values;
}
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail.elt;
  if (elt.classList && elt.classList.contains("survey-field")) {
    event.detail.xhr.gmisSent = inputValues(elt);
  }
});
document.addEventListener("htmx:beforeSwap", function (event) {
  var sent = event.detail.xhr.gmisSent;
  var target = event.detail.target;
  if (!sent || !target || !target.isConnected) {
    return;
  }
  var now = inputValues(target);
  var typed = {};
  Object.keys(now).forEach(function (key) {
    if (key in sent && now[key] !== sent[key]) {
      typed[key] = now[key];
    }
  });
  var active = document.activeElement;
  event.detail.xhr.gmisKeep = {
    id: target.id,
    typed: typed,
    focus: active && target.contains(active) ? active.id : null,
    selection: active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null
  };
});
document.addEventListener("htmx:afterSwap", function (event) {
  var keep = event.detail.xhr.gmisKeep;
  var wrapper = keep && document.getElementById(keep.id);
  if (!wrapper) {
    return;
  }
  delete event.detail.xhr.gmisKeep;
  wrapper.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
    var checkable = input.type === "radio" || input.type === "checkbox";
    var key = checkable ? (input.id || input.name + "=" + input.value) : (input.id || input.name);
    if (!(key in keep.typed)) {
      return;
    }
    if (checkable) {
      input.checked = keep.typed[key];
    } else {
      input.value = keep.typed[key];
    }
    // Not checked yet: let the check (and the autosave) see it.
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  var focused = keep.focus && document.getElementById(keep.focus);
  if (focused) {
    focused.focus({ preventScroll: true });
    if (keep.selection && "setSelectionRange" in focused) {
      try {
        focused.setSelectionRange(keep.selection[0], keep.selection[1]);
      } catch (ignored) {
        // Inputs without a text selection (e.g. type=number) refuse it.
      }
    }
  }
});

window.addEventListener("beforeunload", function (event) {
  if (document.getElementById("survey-form") && fillForm.dirty) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// --- The survey builder (survey_builder/_editor.html) ------------------------------------
// A settings form saves without redrawing the editor, so the revision the other forms
// send must follow the one the server answered with.
document.addEventListener("htmx:afterRequest", function (event) {
  var builder = document.getElementById("builder");
  var revision = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Draft-Revision");
  if (!builder || !revision) {
    return;
  }
  builder.querySelectorAll("input[name=revision]").forEach(function (input) {
    input.value = revision;
  });
});

// A refused save, or one that renamed the item open, answers with the whole editor
// (HX-Retarget #builder). Taking the form's parts out of band first would leave the new
// editor without its toolbar and outline: the whole answer replaces the editor instead.
document.addEventListener("htmx:beforeSwap", function (event) {
  var form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.target && event.detail.target.id === "builder" && form &&
      form.hasAttribute("hx-select-oob")) {
    form.removeAttribute("hx-select-oob");
  }
});

// Keyboard first: Alt+↑/↓ move the open item, Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) undo and redo
// when no text is being edited.
document.addEventListener("keydown", function (event) {
  var builder = document.getElementById("builder");
  if (!builder) {
    return;
  }
  var name = null;
  if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
    name = event.key === "ArrowUp" ? "up" : "down";
  } else if ((event.ctrlKey || event.metaKey) && !event.target.closest("input, textarea, select")) {
    if (event.key.toLowerCase() === "z") {
      name = event.shiftKey ? "redo" : "undo";
    } else if (event.key.toLowerCase() === "y") {
      name = "redo";
    }
  }
  var button = name && builder.querySelector("[data-shortcut=" + name + "]");
  if (button) {
    event.preventDefault();
    button.click();
  }
});

// A field key offered while an expression is typed replaces the name being typed.
document.addEventListener("click", function (event) {
  var offered = event.target.closest("[data-complete]");
  if (!offered) {
    return;
  }
  var input = document.querySelector("textarea[name='" + offered.dataset.target + "']");
  if (!input) {
    return;
  }
  input.value = input.value.replace(/[a-z_][a-z0-9_]*$/, offered.dataset.complete);
  input.focus();
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
});

// Drag and drop in the builder's outline (SortableJS, loaded by the editor page only): a
// field dropped in a section is moved there by the same request as the move form. Not
// while the outline is filtered by a search: the places would not be the survey's.
function sortableOutline() {
  var builder = document.getElementById("builder");
  if (!builder || !window.Sortable || !window.htmx || document.getElementById("outline-q").value) {
    return;
  }
  builder.querySelectorAll(".outline ul[data-section]").forEach(function (list) {
    window.Sortable.create(list, {
      group: "fields",
      animation: 150,
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) {
          return;
        }
        var revision = builder.querySelector("input[name=revision]");
        window.htmx.ajax("POST", event.item.dataset.moveUrl, {
          source: builder, target: "#builder", swap: "outerHTML",
          values: {revision: revision ? revision.value : "", section: event.to.dataset.section,
                   index: String(event.newIndex)}
        });
      }
    });
  });
}
window.addEventListener("load", sortableOutline);
document.addEventListener("htmx:afterSettle", sortableOutline);

// --- Long lists of check boxes (fields/multiple_choice/input.html) -----------------------
// A filter box above a list of many choices (40 departments on a phone are several
// screens): what is typed is folded as the server folds searches (gmis.text.search_fold:
// NFKC, katakana as hiragana, lower case, no spaces) and matched against each choice's
// folded label. Chosen choices always stay in view, and are counted.
function searchFold(text) {
  return (text || "").normalize("NFKC").replace(/[\u30a1-\u30f6]/g, function (char) {
    return String.fromCharCode(char.charCodeAt(0) - 0x60);
  }).toLowerCase().replace(/\s+/g, "");
}

function filterChoices(box) {
  var list = document.getElementById(box.dataset.choiceFilter);
  if (!list) {
    return;
  }
  var query = searchFold(box.querySelector("input[type=search]").value);
  var chosen = 0;
  var shown = 0;
  var total = 0;
  list.querySelectorAll("label[data-filter-text]").forEach(function (label) {
    var checked = label.querySelector("input").checked;
    var show = checked || !query || label.dataset.filterText.indexOf(query) !== -1;
    label.hidden = !show;
    chosen += checked ? 1 : 0;
    shown += show ? 1 : 0;
    total += 1;
  });
  box.querySelector("[data-chosen-count]").textContent = String(chosen);
  box.querySelector("[data-shown-count]").textContent = query ? "(" + total + "件中" + shown + "件を表示)" : "";
  var none = list.querySelector("[data-no-match]");
  if (none) {
    none.hidden = shown > 0;
  }
}

function setUpChoiceFilters(root) {
  (root || document).querySelectorAll("[data-choice-filter]").forEach(function (box) {
    box.hidden = false;
    filterChoices(box);
  });
}
document.addEventListener("DOMContentLoaded", function () { setUpChoiceFilters(); });

document.addEventListener("input", function (event) {
  var box = event.target.closest && event.target.closest("[data-choice-filter]");
  if (box) {
    filterChoices(box);
  }
});
document.addEventListener("change", function (event) {
  var box = event.target.closest && event.target.closest("[data-choice-filter]");
  if (box) {
    // The filter is not an answer: no field check, no autosave, no unsaved mark.
    event.stopPropagation();
    return;
  }
  var list = event.target.closest && event.target.closest(".choices.filterable");
  box = list && document.querySelector('[data-choice-filter="' + list.id + '"]');
  if (box) {
    filterChoices(box);
  }
}, true);
// Enter in the filter box must not submit the survey form.
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.closest && event.target.closest("[data-choice-filter]")) {
    event.preventDefault();
  }
});

// A check of the field answers with its wrapper, filter box included: keep what was typed
// in the filter (and the list filtered) across the swap.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (!target || !target.querySelectorAll) {
    return;
  }
  var filters = {};
  target.querySelectorAll("[data-choice-filter] input[type=search]").forEach(function (input) {
    if (input.value) {
      filters[input.id] = input.value;
    }
  });
  event.detail.xhr.gmisFilters = filters;
});
document.addEventListener("htmx:afterSwap", function (event) {
  var filters = event.detail.xhr.gmisFilters || {};
  Object.keys(filters).forEach(function (id) {
    var input = document.getElementById(id);
    if (input && !input.value) {
      input.value = filters[id];
    }
  });
  setUpChoiceFilters();
});

// 「現在地から探す」 on the public search: the position is asked for only on this tap.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-near-me]");
  if (!button) return;
  const form = button.closest("form");
  const status = form.querySelector("[data-near-status]");
  if (!navigator.geolocation) {
    status.textContent = "この端末では現在地を使えません。郵便番号で探してください。";
    return;
  }
  status.textContent = "現在地を確認しています…";
  navigator.geolocation.getCurrentPosition((position) => {
    form.querySelector("#near").value =
      position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
    form.querySelector("#postal").value = "";
    form.submit();
  }, () => {
    status.textContent = "現在地を取得できませんでした。郵便番号で探してください。";
  }, {timeout: 10000});
});
