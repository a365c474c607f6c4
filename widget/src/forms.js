// The pre-chat form and the callback form. Labels, hints and errors are linked to their fields
// (aria-describedby / aria-invalid); validation messages come from the language table.
import { h } from "./dom.js";
import { LIMITS, REQUEST_TYPES } from "./protocol.js";

let uid = 0;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function field(label, control, hint) {
  const id = `od-f${++uid}`;
  control.id = id;
  const error = h("p", { class: "od-field-error", id: `${id}-err`, hidden: true });
  const describedBy = [hint ? `${id}-hint` : null, `${id}-err`].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", describedBy);
  const wrap = h("div", { class: "od-field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "od-hint", id: `${id}-hint` }, hint) : null,
    control, error);
  return {
    wrap, control,
    invalid(text) {
      error.textContent = text || "";
      error.hidden = !text;
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  };
}

function formError() {
  return h("p", { class: "od-form-error", role: "alert", hidden: true });
}

function showError(el, text) {
  el.textContent = text || "";
  el.hidden = !text;
}

/**
 * values: {name, email, requestType, message}; notes: texts shown above the fields (queue info,
 * "signed in", "chat again with"); onSubmit({requestType, name, email, message}).
 */
export function preChatForm(t, values, notes, onSubmit) {
  const select = h("select", { name: "request_type", required: true },
    REQUEST_TYPES.map((value) => h("option", { value }, t(value))));
  if (values.requestType) select.value = values.requestType;
  const type = field(t("requestType"), select);
  const name = field(t("name"), h("input", {
    name: "name", type: "text", autocomplete: "name", maxlength: LIMITS.name, required: true,
  }));
  const email = field(t("email"), h("input", {
    name: "email", type: "email", autocomplete: "email", maxlength: LIMITS.email, inputmode: "email",
  }));
  const message = field(t("message"), h("textarea", {
    name: "message", rows: 3, maxlength: LIMITS.text, required: true,
  }));
  name.control.value = values.name || "";
  email.control.value = values.email || "";
  message.control.value = values.message || "";
  const error = formError();
  const submit = h("button", { type: "submit", class: "od-primary" }, t("startChat"));
  const form = h("form", { class: "od-form", novalidate: true, "aria-label": t("title") },
    notes.filter(Boolean).map((n) => h("p", { class: "od-note" }, n)),
    type.wrap, name.wrap, email.wrap, message.wrap, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = {
      requestType: select.value,
      name: name.control.value.trim(),
      email: email.control.value.trim(),
      message: message.control.value.trim(),
    };
    name.invalid(v.name ? "" : t("required"));
    email.invalid(!v.email || EMAIL_RE.test(v.email) ? "" : t("invalidEmail"));
    message.invalid(v.message ? "" : t("required"));
    const bad = [name, email, message].find((f) => f.control.getAttribute("aria-invalid"));
    if (bad) {
      bad.control.focus();
      return;
    }
    submit.disabled = true;
    onSubmit(v);
  });
  message.control.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
  return {
    el: form,
    focus() {
      (name.control.value ? message.control : name.control).focus();
    },
    setError(text) {
      submit.disabled = false;
      showError(error, text);
    },
  };
}

/** title/text: why the callback form is offered; values prefill; onSubmit({name, phone, email, message}). */
export function callbackForm(t, title, text, values, onSubmit) {
  const name = field(t("name"), h("input", {
    name: "name", type: "text", autocomplete: "name", maxlength: LIMITS.name, required: true,
  }));
  const phone = field(t("callbackPhone"), h("input", {
    name: "phone", type: "tel", autocomplete: "tel", maxlength: LIMITS.phone, inputmode: "tel",
  }));
  const email = field(t("callbackEmail"), h("input", {
    name: "email", type: "email", autocomplete: "email", maxlength: LIMITS.email, inputmode: "email",
  }));
  const message = field(t("callbackMessage"), h("textarea", { name: "message", rows: 3, maxlength: LIMITS.text }));
  name.control.value = values.name || "";
  email.control.value = values.email || "";
  message.control.value = values.message || "";
  const error = formError();
  const submit = h("button", { type: "submit", class: "od-primary" }, t("callbackSend"));
  const heading = h("h3", { class: "od-callout-title", tabindex: "-1" }, title);
  const form = h("form", { class: "od-form od-callback", novalidate: true, "aria-label": t("callbackSend") },
    h("div", { class: "od-callout", role: "status" }, heading, h("p", {}, text)),
    name.wrap, phone.wrap, email.wrap, message.wrap, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = {
      name: name.control.value.trim(),
      phone: phone.control.value.trim(),
      email: email.control.value.trim(),
      message: message.control.value.trim(),
    };
    name.invalid(v.name ? "" : t("required"));
    email.invalid(!v.email || EMAIL_RE.test(v.email) ? "" : t("invalidEmail"));
    const none = !v.phone && !v.email;
    showError(error, none ? t("callbackNeedOne") : "");
    if (!v.name) return name.control.focus();
    if (email.control.getAttribute("aria-invalid")) return email.control.focus();
    if (none) return phone.control.focus();
    submit.disabled = true;
    onSubmit(v);
  });
  return {
    el: form,
    focus() {
      heading.focus();
    },
    setError(text) {
      submit.disabled = false;
      showError(error, text);
    },
  };
}
