// The comment form's script. Everything works without it: "Lấy lại mã bảo
// mật" and "Nghe mã" then post the form and the page comes back with what the
// reader typed. With it, they fetch a new captcha in place, and the submit
// button waits out the service's retry-after.
(() => {
  "use strict";
  const form = document.getElementById("binh-luan-form");
  if (!form) {
    return;
  }
  const image = document.getElementById("captcha-image");
  const captchaId = document.getElementById("captcha_id");
  const answer = document.getElementById("captcha_answer");
  const player = document.getElementById("captcha-audio-player");
  const status = document.getElementById("captcha-status");
  const submit = document.getElementById("gui");
  const waiting = document.getElementById("cho-gui");

  async function newCaptcha(audio) {
    status.textContent = audio ? "Đang tải mã đọc…" : "Đang tải mã mới…";
    const body = new URLSearchParams({ captcha_id: captchaId.value, audio: audio ? "1" : "0" });
    let captcha;
    try {
      const response = await fetch("/ma-xac-nhan", { method: "POST", body });
      captcha = await response.json();
    } catch (error) {
      status.textContent = "Không tải được mã xác nhận. Vui lòng thử lại.";
      return;
    }
    if (!captcha.captcha_id) {
      status.textContent = captcha.error || "Không tải được mã xác nhận. Vui lòng thử lại.";
      return;
    }
    captchaId.value = captcha.captcha_id;
    image.src = captcha.image;
    image.hidden = false;
    if (captcha.dev_answer) {
      image.dataset.devAnswer = captcha.dev_answer;
    } else {
      delete image.dataset.devAnswer;
    }
    const widget = form.querySelector("altcha-widget");
    if (widget && captcha.altcha) {
      widget.setAttribute("challengejson", captcha.altcha);
      if (typeof widget.reset === "function") {
        widget.reset();
      }
    }
    answer.value = "";
    if (audio && captcha.audio) {
      player.src = captcha.audio;
      player.hidden = false;
      status.textContent = "Mã mới đang được đọc. Nhập các chữ số bạn nghe được.";
      player.play().catch(() => {});
    } else {
      player.hidden = true;
      player.removeAttribute("src");
      status.textContent = "Đã có mã xác nhận mới.";
    }
    answer.focus();
  }

  document.getElementById("captcha-refresh").addEventListener("click", (event) => {
    event.preventDefault();
    newCaptcha(false);
  });
  document.getElementById("captcha-audio").addEventListener("click", (event) => {
    event.preventDefault();
    newCaptcha(true);
  });

  // After an error the first field to fix takes the focus.
  const invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) {
    invalid.focus();
  }

  // Retry-after: the button stays off until the service will take the
  // comment, and says how long that is.
  let wait = Number(form.dataset.retryAfter || 0);
  if (wait > 0) {
    submit.disabled = true;
    const tick = () => {
      if (wait <= 0) {
        submit.disabled = false;
        waiting.textContent = "";
        return;
      }
      waiting.textContent = `Bạn có thể gửi lại sau ${wait} giây.`;
      wait -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
