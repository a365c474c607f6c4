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

/** A required choice as a group of radio buttons (each option's whole text shows, none is chosen for the
 * visitor); `value()` is the chosen value or "". */
function choice(legend, name, options, chosen) {
  const id = `od-f${++uid}`;
  const error = h("p", { class: "od-field-error", id: `${id}-err`, hidden: true });
  const radios = options.map(({ value }) => h("input", {
    type: "radio", name, value, id: `${id}-${value}`, required: true, "aria-describedby": `${id}-err`,
  }));
  for (const radio of radios) radio.checked = radio.value === chosen;
  const wrap = h("fieldset", { class: "od-field od-choice" },
    h("legend", {}, legend),
    radios.map((radio, i) => h("label", { class: "od-option", for: radio.id }, radio, h("span", {}, options[i].label))),
    error);
  return {
    wrap,
    control: radios[0],
    value: () => radios.find((r) => r.checked)?.value || "",
    focus: () => (radios.find((r) => r.checked) || radios[0]).focus(),
    invalid(text) {
      error.textContent = text || "";
      error.hidden = !text;
      for (const radio of radios) {
        if (text) radio.setAttribute("aria-invalid", "true");
        else radio.removeAttribute("aria-invalid");
      }
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
export function preChatForm(t, values, notes, onSubmit, limits, offerCall = false) {
  const type = choice(t("requestType"), "request_type", REQUEST_TYPES.map((value) => ({ value, label: t(value) })),
    values.requestType);
  const name = field(t("name"), h("input", {
    name: "name", type: "text", autocomplete: "name", maxlength: LIMITS.name, required: true,
  }));
  const email = field(t("email"), h("input", {
    name: "email", type: "email", autocomplete: "email", maxlength: LIMITS.email, inputmode: "email",
  }));
  const message = field(t("message"), h("textarea", {
    name: "message", rows: 3, dir: "auto", required: true,
  }));
  name.control.value = values.name || "";
  email.control.value = values.email || "";
  message.control.value = values.message || "";
  const error = formError();
  const submit = h("button", { type: "submit", class: "od-primary" }, t("startChat"));
  // the queue offers voice calls: "Call me" as a choice before the chat (asked for once an agent answers)
  const callMe = h("input", { type: "checkbox", name: "call_me", class: "od-call-choice" });
  const callWrap = h("label", { class: "od-check", hidden: !offerCall }, callMe, t("callChoice"));
  const form = h("form", { class: "od-form", novalidate: true, "aria-label": t("title") },
    notes.filter(Boolean).map((n) => h("p", { class: "od-note" }, n)),
    type.wrap, name.wrap, email.wrap, message.wrap, callWrap, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = {
      requestType: type.value(),
      name: name.control.value.trim(),
      email: email.control.value.trim(),
      message: message.control.value.trim(),
      callMe: !callWrap.hidden && callMe.checked,
    };
    type.invalid(v.requestType ? "" : t("chooseRequestType"));
    name.invalid(v.name ? "" : t("required"));
    email.invalid(!v.email || EMAIL_RE.test(v.email) ? "" : t("invalidEmail"));
    message.invalid(v.message ? limits.textRefusal(t, v.message) || "" : t("required"));
    if (!v.requestType) {
      type.focus();
      return;
    }
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
      if (!type.value()) type.focus();
      else (name.control.value ? message.control : name.control).focus();
    },
    setError(text) {
      submit.disabled = false;
      showError(error, text);
    },
    /** The queue offers voice calls (voice_available came after the form was shown). */
    offerCall(offered) {
      callWrap.hidden = !offered;
    },
  };
}

/** title/text: why the callback form is offered; values prefill; onSubmit({name, phone, email, message}). */
export function callbackForm(t, title, text, values, onSubmit, limits) {
  const name = field(t("name"), h("input", {
    name: "name", type: "text", autocomplete: "name", maxlength: LIMITS.name, required: true,
  }));
  const phone = field(t("callbackPhone"), h("input", {
    name: "phone", type: "tel", autocomplete: "tel", maxlength: LIMITS.phone, inputmode: "tel",
  }));
  const email = field(t("callbackEmail"), h("input", {
    name: "email", type: "email", autocomplete: "email", maxlength: LIMITS.email, inputmode: "email",
  }));
  const message = field(t("callbackMessage"), h("textarea", { name: "message", rows: 3, dir: "auto" }));
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
    message.invalid(limits.textRefusal(t, v.message) || "");
    const none = !v.phone && !v.email;
    showError(error, none ? t("callbackNeedOne") : "");
    if (!v.name) return name.control.focus();
    if (message.control.getAttribute("aria-invalid")) return message.control.focus();
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

export const RATINGS = [1, 2, 3, 4, 5];

/** After a chat an agent served: "How was this chat?", 1 to 5 (radio buttons, each with its words) and an optional
 * comment; onSubmit({rating, comment}). `done(text)` replaces the form with the thanks (a status). */
export function ratingForm(t, onSubmit, maxComment) {
  const rating = choice(t("rateQuestion"), "rating", RATINGS.map((n) => ({ value: String(n), label: t(`rate${n}`) })), "");
  const comment = field(t("rateComment"), h("textarea", { name: "comment", rows: 2, dir: "auto", maxlength: maxComment }));
  const error = formError();
  const submit = h("button", { type: "submit", class: "od-primary" }, t("rateSend"));
  const form = h("form", { class: "od-form od-rating", novalidate: true, "aria-label": t("rateQuestion") },
    rating.wrap, comment.wrap, error, submit);
  const slot = h("div", { class: "od-rating-slot" }, form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = rating.value();
    rating.invalid(chosen ? "" : t("rateChoose"));
    if (!chosen) return rating.focus();
    const text = comment.control.value.trim();
    if ([...text].length > maxComment) {
      comment.invalid(t("rateTooLong", { max: maxComment }));
      return comment.control.focus();
    }
    comment.invalid("");
    submit.disabled = true;
    onSubmit({ rating: Number(chosen), comment: text });
  });
  return {
    el: slot,
    setError(text) {
      submit.disabled = false;
      showError(error, text);
    },
    done(text) {
      form.replaceWith(h("p", { class: "od-rated", role: "status" }, text));
    },
  };
}
