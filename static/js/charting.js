/* Charting pages: focus the error summary after a refused submit, and search codes as
   you type (an ARIA combobox on the code inputs; without JavaScript the plain search page
   linked next to each field does the same). */
(function () {
  "use strict";
  var summary = document.querySelector(".usa-alert--error[role=alert]");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  function enhance(box) {
    var input = document.getElementById(box.getAttribute("data-code-search-for"));
    if (!input) { return; }
    var url = box.getAttribute("data-url");
    var multiple = box.getAttribute("data-multiple") === "true";
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    list.id = input.id + "-list";
    list.className = "usa-combo-box__list charting-code-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching codes");
    list.hidden = true;
    status.className = "usa-sr-only";
    status.setAttribute("role", "status");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    function term() {
      var value = input.value;
      return (multiple ? value.split(",").pop() : value).trim();
    }
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(item) {
      if (multiple) {
        var parts = input.value.split(",");
        parts[parts.length - 1] = " " + item.code;
        input.value = parts.join(",").replace(/^\s+/, "") + ", ";
      } else {
        input.value = item.code;
      }
      status.textContent = item.code + " " + item.display + " chosen.";
      close();
      input.focus();
    }
    function highlight(index) {
      var options = list.querySelectorAll("li");
      for (var i = 0; i < options.length; i++) {
        var on = i === index;
        options[i].setAttribute("aria-selected", on ? "true" : "false");
        options[i].classList.toggle("usa-combo-box__list-option--focused", on);
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      }
    }
    function render(found) {
      close();
      items = found;
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.className = "usa-combo-box__list-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.code + " — " + item.display;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(item);
        });
        list.appendChild(option);
      });
      status.textContent = found.length ? found.length + " codes found. Use the arrow keys to choose." : "No code matches.";
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }
    function search() {
      var text = term();
      if (text.length < 2) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {items: []}; })
        .then(function (body) { if (term() === text) { render(body.items || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  var boxes = document.querySelectorAll("[data-code-search-for]");
  for (var i = 0; i < boxes.length; i++) { enhance(boxes[i]); }
})();
