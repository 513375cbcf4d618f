import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../src/errors/api-error.js";
import { boundaryOf, encodeMultipart, parseMultipart, UploadedFile } from "../../src/proxy/media/multipart.js";
import { billedUnitsOf, isMediaReply, unitCost } from "../../src/proxy/media/billed-units.js";

const BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

async function platformForm(body: Buffer, contentType: string): Promise<FormData> {
  return new Response(body, { headers: { "content-type": contentType } }).formData();
}

describe("multipart/form-data (transcription uploads)", () => {
  it("parses what the platform's FormData sends, file bytes intact", async () => {
    const form = new FormData();
    form.set("model", "whisper");
    form.set("file", new Blob([BYTES], { type: "audio/mpeg" }), "clip.mp3");
    const request = new Request("http://x/", { method: "POST", body: form });
    const contentType = request.headers.get("content-type")!;
    const parsed = parseMultipart(Buffer.from(await request.arrayBuffer()), boundaryOf(contentType)!);
    expect(parsed.model).toBe("whisper");
    const file = parsed.file as UploadedFile;
    expect(file).toBeInstanceOf(UploadedFile);
    expect([file.filename, file.contentType]).toEqual(["clip.mp3", "audio/mpeg"]);
    expect(file.data.equals(BYTES)).toBe(true);
  });

  it("encodes a form the platform's parser reads back", async () => {
    const { body, contentType } = encodeMultipart({
      model: "whisper-1",
      language: "en",
      file: new UploadedFile('we"ird.mp3', "audio/mpeg", BYTES),
    });
    const form = await platformForm(body, contentType);
    expect(form.get("model")).toBe("whisper-1");
    expect(form.get("language")).toBe("en");
    const file = form.get("file") as File;
    expect(Buffer.from(await file.arrayBuffer()).equals(BYTES)).toBe(true);
  });

  it.each([
    ["no boundary at all", Buffer.from("hello")],
    ["no closing boundary", Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue')],
    ["a part without a name", Buffer.from("--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--b--\r\n")],
  ])("refuses a body with %s as a 400", (_, body) => {
    expect(() => parseMultipart(body, "b")).toThrow(ApiError);
  });

  it("reads the boundary only from a multipart/form-data content type", () => {
    expect(boundaryOf('multipart/form-data; boundary="abc"')).toBe("abc");
    expect(boundaryOf("multipart/form-data; boundary=xyz")).toBe("xyz");
    expect(boundaryOf("application/json")).toBeUndefined();
  });
});

describe("billed units", () => {
  it("counts images, speech characters and transcription seconds", () => {
    expect(billedUnitsOf("image_generation", { size: "512x512" }, { data: [{}, {}] })).toEqual({
      images: 2,
      pixels: 2 * 512 * 512,
    });
    expect(billedUnitsOf("audio_speech", { input: "héllo" }, undefined)).toEqual({ characters: 5 });
    expect(billedUnitsOf("audio_transcription", {}, { usage: { type: "duration", seconds: 3 } })).toEqual({
      seconds: 3,
    });
    expect(billedUnitsOf("chat", {}, {})).toBeUndefined();
  });

  it("prices them from LiteLLM's cost fields, and leaves unpriced units to token pricing", () => {
    expect(unitCost({ key: "k", output_cost_per_image: 0.04 }, { images: 3 })).toBeCloseTo(0.12);
    expect(unitCost({ key: "k", input_cost_per_pixel: 1e-8 }, { images: 1, pixels: 1e6 })).toBeCloseTo(0.01);
    expect(unitCost({ key: "k", input_cost_per_token: 1 }, { images: 1 })).toBeUndefined();
  });

  it("relays speech always and a transcription when it is not JSON", () => {
    expect(isMediaReply("audio_speech", "application/json")).toBe(true);
    expect(isMediaReply("audio_transcription", "text/plain")).toBe(true);
    expect(isMediaReply("audio_transcription", "application/json")).toBe(false);
    expect(isMediaReply("chat", "text/plain")).toBe(false);
  });
});
