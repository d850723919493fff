// Progressive enhancement for the guided form. Everything works without this file:
// it makes the leg diagram clickable (kept in step with the checkboxes, which are the keyboard
// and screen-reader way in, so the drawing adds no tab stops), keeps 'None' exclusive, manages
// the in-place knowledge-base panel, and copies the note for the record.
(function () {
  "use strict";

  function checkboxFor(form, field, code) {
    return form.querySelector('input[type="checkbox"][name="' + field + '"][value="' + code + '"]');
  }

  function syncDiagram(figure) {
    var form = figure.closest("form");
    var field = figure.dataset.field;
    var cls = figure.dataset.layer === "sensory" ? "is-numb" : "is-pain";
    figure.querySelectorAll(".region.is-editable").forEach(function (region) {
      var box = checkboxFor(form, field, region.dataset.region);
      var on = !!(box && box.checked);
      region.classList.toggle(cls, on);
    });
  }

  function setUpDiagram(figure) {
    var form = figure.closest("form");
    if (!form) { return; }
    var field = figure.dataset.field;
    figure.querySelectorAll(".region.is-editable").forEach(function (region) {
      var box = checkboxFor(form, field, region.dataset.region);
      if (!box) { return; }
      region.addEventListener("click", function () { box.click(); });
    });
    syncDiagram(figure);
  }

  // 'None' excludes the other choices of a multi question, and the other way round.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.checked) { return; }
    var group = document.querySelectorAll('input[type="checkbox"][name="' + box.name + '"]');
    group.forEach(function (other) {
      if (other !== box && (box.value === "none" || other.value === "none")) {
        other.checked = false;
      }
    });
    document.querySelectorAll('.leg-diagram--editable[data-field="' + box.name + '"]')
      .forEach(syncDiagram);
  }, true);  // capture: runs before htmx reads the form to autosave it
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.type === "checkbox" && !box.checked) {
      document.querySelectorAll('.leg-diagram--editable[data-field="' + box.name + '"]')
        .forEach(syncDiagram);
    }
  });

  // An answer saved can draw something above the form (the emergency banner arriving). The
  // question answered keeps its place on the screen, so the next click lands where it was
  // aimed; the banner itself sticks to the top of the viewport, in view.
  var anchor = null;
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var elt = event.detail.elt;
    anchor = elt && elt.id ? { id: elt.id, top: elt.getBoundingClientRect().top } : null;
  });
  document.addEventListener("htmx:afterOnLoad", function () {
    var before = anchor;
    anchor = null;
    var kept = before && document.getElementById(before.id);
    if (!kept) { return; }
    var moved = kept.getBoundingClientRect().top - before.top;
    if (Math.abs(moved) >= 1) { window.scrollBy(0, moved); }
  });

  // The knowledge-base panel: focus its heading when it opens, close on request.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "kb-drawer") {
      var heading = document.getElementById("drawer-title");
      if (heading) { heading.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-drawer]");
    if (!button) { return; }
    var drawer = document.getElementById("kb-drawer");
    drawer.innerHTML = "";
    var step = document.getElementById("step-title") || document.querySelector("h1");
    if (step) { step.setAttribute("tabindex", "-1"); step.focus(); }
  });

  // The note for the record: copy it in one press. Without JavaScript it is a text box to
  // select and copy by hand, so the button only appears here.
  function setUpCopy(button) {
    var note = document.getElementById(button.getAttribute("aria-controls"));
    var status = document.getElementById(button.dataset.status);
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { status.textContent = "Copied to the clipboard."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(note.value).then(done, function () {
          note.select();
          status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy.";
        });
      } else {
        note.select();
        document.execCommand("copy");
        done();
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-copy-note]").forEach(setUpCopy);
    document.querySelectorAll(".leg-diagram--editable").forEach(setUpDiagram);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
