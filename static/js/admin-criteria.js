/* Criterion editor for rules, enable-when and handout items in the admin.
 *
 * Without this script the form still works: a finding chosen from the version's questions, an
 * operator, and the value typed (the server checks all three). With it, the operators narrow to
 * those that fit the finding, the value becomes a choice of the finding's options (several for
 * "in" / "not in") or a number within its range, and the whole condition is shown as readable
 * text above the criteria as it is built.
 */
(function () {
  "use strict";

  var vocabularies = {};

  function load(url) {
    if (!vocabularies[url]) {
      vocabularies[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      });
    }
    return vocabularies[url];
  }

  function rows(group) {
    return Array.prototype.filter.call(group.querySelectorAll("tr.form-row"), function (row) {
      return !row.classList.contains("empty-form") && row.querySelector("[data-criterion=subject]");
    });
  }

  function field(row, name) {
    return row.querySelector("[data-criterion=" + name + "]");
  }

  function valueControl(row) {
    return row.querySelector(".criterion-value");
  }

  function setValue(row, value) {
    field(row, "value").value = value;
    refreshPreview(row.closest(".inline-group"));
  }

  function buildValue(row, vocab) {
    var subject = field(row, "subject").value;
    var op = field(row, "op").value;
    var hidden = field(row, "value");
    var old = valueControl(row);
    if (old) old.remove();
    hidden.hidden = false;
    var question = vocab.questions[subject];
    if (!question || vocab.valuelessOps.indexOf(op) >= 0) {
      if (question) { hidden.value = ""; hidden.hidden = true; }
      return;
    }
    var current = hidden.value.split(",").map(function (v) { return v.trim(); }).filter(Boolean);
    var control;
    if (question.options.length) {
      control = document.createElement("select");
      control.multiple = vocab.listOps.indexOf(op) >= 0;
      if (!control.multiple) control.appendChild(new Option("Choose", ""));
      question.options.forEach(function (pair) {
        control.appendChild(new Option(pair[1] + " (" + pair[0] + ")", pair[0], false,
                                       current.indexOf(pair[0]) >= 0));
      });
      control.addEventListener("change", function () {
        setValue(row, Array.prototype.map.call(control.selectedOptions, function (o) {
          return o.value;
        }).filter(Boolean).join(", "));
      });
    } else {
      control = document.createElement("input");
      control.type = "number";
      if (question.min !== null) control.min = question.min;
      if (question.max !== null) control.max = question.max;
      control.value = current[0] || "";
      control.addEventListener("input", function () { setValue(row, control.value); });
    }
    control.className = "criterion-value";
    control.setAttribute("aria-label", "Value for " + subject);
    hidden.hidden = true;
    hidden.parentNode.insertBefore(control, hidden);
  }

  function narrowOps(row, vocab) {
    var question = vocab.questions[field(row, "subject").value];
    var select = field(row, "op");
    var allowed = question ? vocab.opsByKind[question.kind] || [] : null;
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = allowed !== null && allowed.indexOf(option.value) < 0;
    });
    if (select.selectedOptions.length && select.selectedOptions[0].disabled) {
      var first = Array.prototype.find.call(select.options, function (o) { return !o.disabled; });
      if (first) select.value = first.value;
    }
  }

  function criterionText(row, vocab) {
    var subject = field(row, "subject").value;
    var op = field(row, "op").value;
    if (!subject || !op) return "";
    var text = subject + " " + (vocab.ops[op] || op);
    if (vocab.valuelessOps.indexOf(op) >= 0) return text;
    var value = field(row, "value").value.trim();
    if (vocab.listOps.indexOf(op) >= 0) value = "[" + value + "]";
    return text + " " + value;
  }

  function isDeleted(row) {
    var box = row.querySelector("input[name$='-DELETE']");
    return box && box.checked;
  }

  function refreshPreview(group) {
    var preview = group.querySelector(".criteria-preview");
    var url = preview && preview.dataset.vocabulary;
    if (!url) return;
    load(url).then(function (vocab) {
      if (!vocab) return;
      var groups = {};
      rows(group).forEach(function (row) {
        if (isDeleted(row)) return;
        var text = criterionText(row, vocab);
        if (!text) return;
        var number = (row.querySelector("input[name$='-group']") || {}).value || "1";
        (groups[number] = groups[number] || []).push(text);
      });
      var parts = Object.keys(groups).sort(function (a, b) { return a - b; }).map(function (k) {
        return groups[k].length > 1 ? "(" + groups[k].join(" or ") + ")" : groups[k][0];
      });
      preview.querySelector("code").textContent = parts.join(" and ") || "(no criteria yet)";
    });
  }

  function wire(row) {
    var subject = field(row, "subject");
    if (!subject || row.dataset.criterionWired) return;
    row.dataset.criterionWired = "1";
    var url = subject.dataset.vocabulary;
    if (!url) return;
    var group = row.closest(".inline-group");
    load(url).then(function (vocab) {
      if (!vocab) return;
      narrowOps(row, vocab);
      buildValue(row, vocab);
      subject.addEventListener("change", function () {
        field(row, "value").value = "";
        narrowOps(row, vocab);
        buildValue(row, vocab);
        refreshPreview(group);
      });
      field(row, "op").addEventListener("change", function () {
        buildValue(row, vocab);
        refreshPreview(group);
      });
      row.addEventListener("input", function () { refreshPreview(group); });
      refreshPreview(group);
    });
  }

  function addPreview(group) {
    if (group.querySelector(".criteria-preview")) return;
    var subject = group.querySelector("[data-criterion=subject][data-vocabulary]");
    if (!subject || !subject.dataset.vocabulary) return;
    var preview = document.createElement("p");
    preview.className = "criteria-preview";
    preview.dataset.vocabulary = subject.dataset.vocabulary;
    preview.setAttribute("aria-live", "polite");
    preview.appendChild(document.createTextNode("Condition as you build it: "));
    preview.appendChild(document.createElement("code"));
    group.insertBefore(preview, group.querySelector("fieldset") || group.firstChild);
  }

  function start() {
    document.querySelectorAll(".inline-group").forEach(function (group) {
      if (!group.querySelector("[data-criterion=subject]")) return;
      addPreview(group);
      rows(group).forEach(wire);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
  // Rows added with "Add another criterion" (Django's inlines.js sends this event).
  document.addEventListener("formset:added", function (event) {
    var row = event.target.closest ? event.target.closest("tr.form-row") || event.target : null;
    if (row) wire(row);
  });
})();
