// captcha_sampler: collects captchas with their answers, for measuring how well
// off-the-shelf OCR reads them (see tools/ocr/README.md).
//
// By default it calls CommentService.CreateCaptcha on a running server that
// reveals answers (MODERATION_DEV_REVEAL_CAPTCHA=1), so what is measured is
// exactly what the portal receives. --local draws with the renderer in-process
// instead (no server; for tuning the drawing, and for an attacker's training
// data). --secret HEX makes --local draw in the style of a server whose
// MODERATION_SECRET_KEY is HEX, derived exactly as the server derives it;
// without it, --local draws the public style. --font FILE replaces the face
// (a font the public generator does not have). --plain also draws every code
// straight, black on white, as the control that OCR should read.
//
// --audio asks for the spoken captcha too (as a reader who cannot see the
// image would) and writes it as audio/NNNN.wav; the answer is then the code
// that is spoken, for tools/ocr/audio_attack.py.
//
// Output, in --out: distorted/NNNN.png, plain/NNNN.png (with --plain),
// audio/NNNN.wav (with --audio) and answers.txt ("NNNN CODE" per line).

#include <gd.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "moderation/v1/comment_service.grpc.pb.h"
#include "service/captcha/captcha_audio.h"
#include "service/captcha/captcha_service.h"
#include "service/captcha/espeak_captcha_audio.h"
#include "service/captcha/freetype_captcha_renderer.h"
#include "service/crypto/crypto.h"

namespace {

namespace v1 = moderation::v1;
using moderation::captcha::EspeakCaptchaAudio;
using moderation::captcha::FreeTypeCaptchaRenderer;

struct Sample {
  std::string png;
  std::string wav;  // with --audio
  std::string answer;
};

// One captcha through the public API, as the portal gets it.
absl::StatusOr<Sample> FetchCaptcha(v1::CommentService::Stub& stub, bool audio) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // An address of its own each time, as a bot spread over many would send.
  static uint32_t next_reader = 0;
  const uint32_t n = next_reader++;
  v1::CreateCaptchaRequest request;
  request.set_client_ip(absl::StrCat("198.18.", n % 256, ".", 1 + (n / 256) % 250));
  request.set_audio(audio);
  v1::CreateCaptchaResponse response;
  const grpc::Status status = stub.CreateCaptcha(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("CreateCaptcha failed: ", status.error_message()));
  }
  if (response.dev_answer().empty()) {
    return absl::FailedPreconditionError(
        "the server does not reveal answers: start it with MODERATION_DEV_REVEAL_CAPTCHA=1");
  }
  if (audio && response.wav().empty()) {
    return absl::FailedPreconditionError("the server sent no audio");
  }
  return Sample{.png = response.png(), .wav = response.wav(), .answer = response.dev_answer()};
}

std::string RandomCode(absl::string_view alphabet, moderation::RandomSource& random, int length) {
  std::string code;
  for (int i = 0; i < length; ++i) {
    code.push_back(alphabet[random.Uniform(alphabet.size())]);
  }
  return code;
}

// One captcha drawn in-process, with a code from the service's alphabet; with
// `audio`, also a spoken code of its own, which is then the answer.
absl::StatusOr<Sample> DrawLocally(const FreeTypeCaptchaRenderer& renderer,
                                   const EspeakCaptchaAudio* audio,
                                   moderation::RandomSource& random, int length) {
  std::string code = RandomCode(moderation::captcha::kCaptchaAlphabet, random, length);
  absl::StatusOr<std::string> png = renderer.RenderPng(code, random);
  if (!png.ok()) {
    return png.status();
  }
  if (audio == nullptr) {
    return Sample{.png = *std::move(png), .wav = "", .answer = std::move(code)};
  }
  std::string spoken_code = RandomCode(moderation::captcha::kAudioCaptchaAlphabet, random, length);
  absl::StatusOr<std::string> wav = audio->RenderWav(spoken_code, random);
  if (!wav.ok()) {
    return wav.status();
  }
  return Sample{.png = *std::move(png), .wav = *std::move(wav), .answer = std::move(spoken_code)};
}

// The control: the same code, upright, black on white, nothing else.
absl::StatusOr<std::string> DrawPlain(const std::string& font_path, const std::string& code) {
  std::unique_ptr<gdImage, void (*)(gdImage*)> image(
      gdImageCreateTrueColor(FreeTypeCaptchaRenderer::kWidth, FreeTypeCaptchaRenderer::kHeight),
      gdImageDestroy);
  if (!image) {
    return absl::ResourceExhaustedError("cannot allocate an image");
  }
  gdImageFilledRectangle(image.get(), 0, 0, FreeTypeCaptchaRenderer::kWidth - 1,
                         FreeTypeCaptchaRenderer::kHeight - 1, gdTrueColor(255, 255, 255));
  constexpr double kPoints = 24;
  int box[8] = {};
  std::string text = code;
  const char* error = gdImageStringFT(nullptr, box, 0, const_cast<char*>(font_path.c_str()),
                                      kPoints, 0, 0, 0, text.data());
  if (error != nullptr) {
    return absl::InternalError(error);
  }
  const int x = (FreeTypeCaptchaRenderer::kWidth - (box[2] - box[0])) / 2 - box[0];
  const int y = (FreeTypeCaptchaRenderer::kHeight - (box[1] - box[5])) / 2 - box[5];
  error = gdImageStringFT(image.get(), box, gdTrueColor(0, 0, 0),
                          const_cast<char*>(font_path.c_str()), kPoints, 0, x, y, text.data());
  if (error != nullptr) {
    return absl::InternalError(error);
  }
  int size = 0;
  void* png = gdImagePngPtrEx(image.get(), &size, 1);
  if (png == nullptr) {
    return absl::InternalError("cannot encode a PNG");
  }
  std::string bytes(static_cast<const char*>(png), static_cast<std::size_t>(size));
  gdFree(png);
  return bytes;
}

bool WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"Collects captchas and their answers for an OCR measurement."};
  std::string target = "127.0.0.1:50051";
  std::string out_dir;
  int count = 100;
  bool plain = false;
  bool local = false;
  bool audio = false;
  int length = 5;
  std::string secret_hex;
  std::string font;
  app.add_option("--target", target, "server address (reveal mode)")->capture_default_str();
  app.add_option("--out", out_dir, "output directory")->required();
  app.add_option("--count", count, "how many captchas")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--plain", plain, "also draw each code undistorted into <out>/plain");
  app.add_flag("--local", local, "draw in-process instead of calling the server");
  app.add_flag("--audio", audio, "ask for the spoken captcha too, into <out>/audio");
  app.add_option("--length", length, "code length with --local")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  app.add_option("--secret", secret_hex,
                 "with --local: draw as a server with this MODERATION_SECRET_KEY (hex)");
  app.add_option("--font", font,
                 "with --local: draw with this TrueType file instead of the style's face");
  CLI11_PARSE(app, argc, argv);
  if (!font.empty() && !local) {
    std::fprintf(stderr, "captcha_sampler: --font needs --local\n");
    return 1;
  }

  absl::StatusOr<std::unique_ptr<FreeTypeCaptchaRenderer>> renderer;
  if (secret_hex.empty()) {
    // The control uses the renderer's own font, found the same way.
    renderer =
        font.empty() ? FreeTypeCaptchaRenderer::Create() : FreeTypeCaptchaRenderer::Create({font});
  } else {
    absl::StatusOr<std::string> secret = moderation::crypto::HexDecode(secret_hex);
    if (!local || !secret.ok() || secret->size() < 32) {
      std::fprintf(stderr,
                   "captcha_sampler: --secret needs --local and at least 32 bytes in hex\n");
      return 1;
    }
    // As Service::Parts::BuildCaptcha derives the deployment's style.
    const std::string style_secret = moderation::crypto::DeriveKey(*secret, "captcha-style");
    const moderation::captcha::CaptchaStyle style =
        moderation::captcha::CaptchaStyleFor(style_secret);
    renderer = FreeTypeCaptchaRenderer::Create(
        font.empty() ? moderation::captcha::StyledCaptchaFontSearchList(style_secret)
                     : std::vector<std::string>{font},
        style);
    if (renderer.ok()) {
      std::printf(
          "style: %s, size %.3f, spacing %.3f, tilt %.3f, bend %.3f, ripple %.3f, shear %.3f\n",
          (*renderer)->font_path().c_str(), style.size, style.spacing, style.tilt, style.bend,
          style.ripple, style.shear);
    }
  }
  if ((plain || local) && !renderer.ok()) {
    std::fprintf(stderr, "captcha_sampler: %s\n", renderer.status().ToString().c_str());
    return 1;
  }

  std::unique_ptr<EspeakCaptchaAudio> voice;
  if (local && audio) {
    absl::StatusOr<std::unique_ptr<EspeakCaptchaAudio>> created = EspeakCaptchaAudio::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "captcha_sampler: %s\n", created.status().ToString().c_str());
      return 1;
    }
    voice = *std::move(created);
  }

  const std::filesystem::path out(out_dir);
  std::error_code error;
  std::filesystem::create_directories(out / "distorted", error);
  if (plain) {
    std::filesystem::create_directories(out / "plain", error);
  }
  if (audio) {
    std::filesystem::create_directories(out / "audio", error);
  }
  if (error) {
    std::fprintf(stderr, "captcha_sampler: cannot create %s: %s\n", out_dir.c_str(),
                 error.message().c_str());
    return 1;
  }
  std::ofstream answers(out / "answers.txt");

  std::unique_ptr<v1::CommentService::Stub> stub;
  if (!local) {
    stub = v1::CommentService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  }
  moderation::crypto::SecureRandom random;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<Sample> sample =
        local ? DrawLocally(**renderer, voice.get(), random, length) : FetchCaptcha(*stub, audio);
    if (!sample.ok()) {
      std::fprintf(stderr, "captcha_sampler: %s\n", sample.status().ToString().c_str());
      return 1;
    }
    const std::string name = absl::StrFormat("%04d", i);
    bool written = WriteFile(out / "distorted" / (name + ".png"), sample->png);
    if (audio) {
      written = written && WriteFile(out / "audio" / (name + ".wav"), sample->wav);
    }
    if (plain) {
      absl::StatusOr<std::string> control = DrawPlain((*renderer)->font_path(), sample->answer);
      if (!control.ok()) {
        std::fprintf(stderr, "captcha_sampler: %s\n", control.status().ToString().c_str());
        return 1;
      }
      written = written && WriteFile(out / "plain" / (name + ".png"), *control);
    }
    answers << name << ' ' << sample->answer << '\n';
    if (!written || !answers) {
      std::fprintf(stderr, "captcha_sampler: cannot write to %s\n", out_dir.c_str());
      return 1;
    }
  }
  std::printf("%d captchas in %s\n", count, out_dir.c_str());
  return 0;
}
