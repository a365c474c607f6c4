// "Call me": a voice call with the agent during a chat (docs/widget.md, "Voice calls"). The agent makes the WebRTC
// offer; this side answers with the microphone (getUserMedia) and plays the agent's audio. Signalling goes over
// the chat's connection (call_request, call_answer, call_candidate, hang_up; the server sends call_update,
// peer_offer, peer_candidate); media goes browser <-> agent, never through the server.
// When a call cannot work (microphone refused, no microphone, no network path) the requestor reads why, the agent
// is told by the hang-up's reason, and the chat goes on.
import { clear, formatClock, h } from "./dom.js";

const LIVE = new Set(["requested", "ringing", "active"]);
const GATHER_MS = 2000; // longest wait for local candidates before the answer goes (the rest trickle)

/** Why getUserMedia failed, as a hang-up reason and the text to show. */
export function micFailure(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return { reason: "permission_denied", key: "callMicDenied" };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NotReadableError" ||
      name === "DevicesNotFoundError") return { reason: "no_device", key: "callNoMic" };
  return { reason: "failed", key: "callFailed" };
}

export class Voice {
  /** write(frame): send a request (false when not connected); t: the translator */
  constructor(t, write) {
    this.t = t;
    this.write = write;
    this.chatId = null;
    this.allowed = false; // the chat's queue offers calls (voice_available)
    this.chatting = false; // an agent serves the chat
    this.available = false; // both: "Call me" is offered
    this.info = null; // the last call_update's call
    this.offer = null; // an offer waiting for Answer (the agent called without being asked)
    this.pc = null;
    this.stream = null;
    this.muted = false;
    this.startedAt = null;
    this.answerSent = false;
    this.timer = null;
    this.problem = "";

    this.status = h("span", { class: "od-call-status", role: "status" });
    this.clock = h("span", { class: "od-call-timer", "aria-hidden": "true" });
    this.callBtn = h("button", { type: "button", class: "od-secondary od-call-me", onclick: () => this.request() },
      t("callMe"));
    this.answerBtn = h("button", { type: "button", class: "od-primary od-call-answer", onclick: () => this.answerOffer() },
      t("callAnswer"));
    this.muteBtn = h("button", { type: "button", class: "od-secondary od-call-mute", "aria-pressed": "false",
      onclick: () => this.setMuted(!this.muted) }, t("callMute"));
    this.hangBtn = h("button", { type: "button", class: "od-secondary od-call-hangup", onclick: () => this.hangUp(this.offer ? "declined" : "hung_up") },
      t("callHangUp"));
    this.problemEl = h("p", { class: "od-call-problem", role: "alert", hidden: true });
    this.audio = h("audio", { class: "od-call-audio", autoplay: true });
    this.el = h("div", { class: "od-call", hidden: true },
      h("div", { class: "od-call-row" }, this.status, this.clock, this.callBtn, this.answerBtn, this.muteBtn,
        this.hangBtn),
      this.problemEl, this.audio);
    this.render();
  }

  get live() {
    return Boolean(this.info && LIVE.has(this.info.state));
  }

  /** The chat and whether an agent serves it now (only then may a call be asked for). */
  setChat(chatId, available) {
    if (chatId !== this.chatId) {
      this.teardown();
      this.info = null;
      this.problem = "";
    }
    this.chatId = chatId;
    this.chatting = Boolean(chatId && available);
    this.available = this.chatting && this.allowed;
    if (!this.chatting && this.live) this.teardown(); // the server ends the call with the chat
    this.render();
  }

  /** The server said (voice_available) whether the queue's chats may have calls. */
  allow(allowed) {
    this.allowed = allowed;
    this.available = this.chatting && allowed;
    this.render();
  }

  /** The chat's connection dropped: the server ended the call (its audio needs the signalling back). */
  connectionLost() {
    if (!this.live) return;
    this.teardown();
    this.info = { ...this.info, state: "ended", text: this.t("callLost") };
    this.render();
  }

  // --- the requestor's actions ----------------------------------------------------------

  request() {
    if (!this.available || this.live) return;
    if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.showProblem(this.t("callUnsupported"));
      return;
    }
    this.problem = "";
    this.write({ t: "call_request", chat_id: this.chatId });
    this.render();
  }

  answerOffer() {
    const offer = this.offer;
    this.offer = null;
    if (offer) this.accept(offer);
  }

  hangUp(reason = "hung_up") {
    const info = this.info;
    if (!info || !this.live) return;
    this.write({ t: "hang_up", chat_id: info.chat_id, call_id: info.call_id, reason });
    this.teardown();
    this.render();
  }

  setMuted(muted) {
    this.muted = muted;
    if (this.stream) for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
    this.render();
  }

  // --- from the server --------------------------------------------------------------------

  /** call_update / peer_offer / peer_candidate of this chat. */
  message(m) {
    if (m.t === "call_update") return this.updated(m.call);
    if (!this.info || m.call_id !== this.info.call_id || m.chat_id !== this.chatId) return;
    if (m.t === "peer_offer") {
      if (this.info.requested_by === "requestor") this.accept(m); // asked for: answer at once
      else {
        this.offer = m; // the agent calls: Answer or Decline
        this.render();
      }
    } else if (m.t === "peer_candidate" && this.pc) {
      const candidate = m.candidate ? { candidate: m.candidate, sdpMid: m.sdp_mid ?? undefined,
        sdpMLineIndex: m.sdp_mline_index ?? undefined } : null;
      this.pc.addIceCandidate(candidate).catch((err) => console.warn("onduty: candidate refused", err));
    }
  }

  updated(call) {
    if (call.chat_id !== this.chatId) return;
    const before = this.info;
    if (!before || before.call_id !== call.call_id) this.problem = "";
    this.info = call;
    if (call.state === "active" && this.startedAt === null) this.startedAt = Date.now();
    if (call.state === "ended") {
      this.teardown();
      if (call.ended_by === "agent" && call.reason === "no_connection") this.problem = this.t("callNoPath");
      else if (call.ended_by === "agent" && call.reason === "no_device") this.problem = this.t("callAgentNoDevice");
    }
    this.render();
  }

  /** A refused request (an `error` with its req). */
  failed(frame, m) {
    if (frame.t === "call_request") this.showProblem(this.t(m.code === "not_allowed" ? "callNotNow" : "callFailed"));
    else if (frame.t === "call_answer") {
      this.teardown();
      this.showProblem(this.t("callFailed"));
    }
  }

  // --- WebRTC -------------------------------------------------------------------------------

  async accept(offer) {
    const info = this.info;
    if (!info || this.pc) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (err) {
      const why = micFailure(err);
      this.showProblem(this.t(why.key));
      this.hangUp(why.reason);
      return;
    }
    if (!this.info || this.info.call_id !== info.call_id || !this.live) {
      for (const track of stream.getTracks()) track.stop(); // hung up meanwhile
      return;
    }
    this.stream = stream;
    this.setMuted(false);
    const pc = (this.pc = new RTCPeerConnection({
      iceServers: (info.ice_servers || []).map((s) => ({ urls: s.urls, username: s.username ?? undefined,
        credential: s.credential ?? undefined })),
      iceTransportPolicy: info.relay_only ? "relay" : "all",
    }));
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (event) => {
      this.audio.srcObject = event.streams[0] || new MediaStream([event.track]);
      this.audio.play().catch(() => {}); // allowed: the requestor clicked (Call me / Answer) on this page
    };
    pc.onicecandidate = (event) => {
      if (!this.answerSent || this.pc !== pc) return; // before the answer: the answer's SDP carries them
      const c = event.candidate;
      this.write({ t: "call_candidate", chat_id: info.chat_id, call_id: info.call_id, candidate: c ? c.candidate : "",
        sdp_mid: c?.sdpMid ?? undefined, sdp_mline_index: c?.sdpMLineIndex ?? undefined });
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === "failed") {
        this.showProblem(this.t("callNoPath"));
        this.hangUp("no_connection");
      }
      this.render();
    };
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, GATHER_MS);
      if (this.pc !== pc) return;
      this.answerSent = true;
      this.write({ t: "call_answer", chat_id: info.chat_id, call_id: info.call_id, sdp: pc.localDescription.sdp });
    } catch (err) {
      console.warn("onduty: the call could not be set up", err);
      this.showProblem(this.t("callFailed"));
      this.hangUp("failed");
    }
    this.render();
  }

  teardown() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.pc) this.pc.close();
    this.pc = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.audio.srcObject = null;
    this.offer = null;
    this.answerSent = false;
    this.startedAt = null;
    this.muted = false;
  }

  /** What the browser measures of the call (troubleshooting and tests: window.OnDuty.callStats()). */
  async stats() {
    if (!this.pc) return null;
    const out = { state: this.pc.connectionState, inbound: null, outbound: null };
    (await this.pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        out.inbound = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
          totalAudioEnergy: s.totalAudioEnergy ?? null, audioLevel: s.audioLevel ?? null };
      } else if (s.type === "outbound-rtp" && s.kind === "audio") {
        out.outbound = { packetsSent: s.packetsSent, bytesSent: s.bytesSent };
      }
    });
    return out;
  }

  // --- view -----------------------------------------------------------------------------------

  showProblem(text) {
    this.problem = text;
    this.render();
  }

  render() {
    const t = this.t;
    const info = this.info;
    const live = this.live;
    const state = info ? info.state : null;
    let text = "";
    if (state === "requested") text = info.requested_by === "requestor" ? t("callWaiting") : t("callIncoming");
    else if (state === "ringing") text = this.offer ? t("callIncoming") : t("callConnecting");
    else if (state === "active") text = this.pc && this.pc.connectionState === "connected" ? t("callOn") : t("callConnecting");
    else if (state === "ended") text = info.text || t("callEnded");
    clear(this.status).append(text);
    this.callBtn.hidden = live || !this.available;
    this.answerBtn.hidden = !this.offer;
    this.muteBtn.hidden = !this.stream;
    this.muteBtn.textContent = this.muted ? t("callUnmute") : t("callMute");
    this.muteBtn.setAttribute("aria-pressed", String(this.muted));
    this.hangBtn.hidden = !live;
    this.hangBtn.textContent = this.offer ? t("callDecline") : t("callHangUp");
    this.problemEl.textContent = this.problem;
    this.problemEl.hidden = !this.problem;
    this.el.hidden = !this.available && !text && !this.problem;
    if (state === "active" && this.startedAt !== null) {
      const tick = () => {
        this.clock.textContent = formatClock((Date.now() - this.startedAt) / 1000);
      };
      tick();
      if (!this.timer) this.timer = setInterval(tick, 1000);
    } else {
      clearInterval(this.timer);
      this.timer = null;
      this.clock.textContent = "";
    }
  }
}

/** Resolves when the connection has gathered its candidates, or after `ms` (what it has goes; the rest trickle). */
function gathered(pc, ms) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener("icegatheringstatechange", check);
  });
}
