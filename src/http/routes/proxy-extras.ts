import { z } from "zod";
import { nameSchema } from "../../config/names.js";
import { UploadedFile } from "../../proxy/media/multipart.js";
import { readMultipartBody } from "../body/read-multipart-body.js";
import { azurePaths, inferenceRoute } from "./proxy.js";

// OpenAI's Responses, image, audio and moderation endpoints: routed by model group like chat, with the same key
// checks, limits, log line, metrics, headers and errors (they share proxy.ts's inferenceRoute and serveCall).

const model = nameSchema;
const stream = z.boolean().nullish();

export const responsesRequestSchema = z.looseObject({
  model,
  input: z
    .union([z.string(), z.array(z.unknown())])
    .optional()
    .describe("A string, or a list of input items (messages, function_call, function_call_output)"),
  stream,
});

export const imageRequestSchema = z.looseObject({
  model,
  prompt: z.string().min(1),
  n: z.number().int().min(1).max(10).nullish(),
});

export const speechRequestSchema = z.looseObject({
  model,
  input: z.string().min(1),
  voice: z.union([z.string().min(1), z.looseObject({ id: z.string() })]),
});

const uploadedFile = z
  .instanceof(UploadedFile, { message: "file must be an uploaded file (a multipart part with a filename)" })
  .meta({ type: "string", format: "binary" });

export const transcriptionRequestSchema = z.looseObject({ model, file: uploadedFile });

export const moderationRequestSchema = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.unknown()).min(1)]),
});

const responseSchema = z.looseObject({
  id: z.string(),
  object: z.literal("response"),
  created_at: z.number().int(),
  status: z.string(),
  model: z.string(),
  output: z.array(z.looseObject({ type: z.string() })),
  usage: z
    .looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() })
    .nullable()
    .optional(),
});

const responseEventSchema = z
  .looseObject({ type: z.string(), sequence_number: z.number().int() })
  .describe("One Responses API streaming event (response.created, response.output_text.delta, ...)");

const imagesSchema = z.looseObject({
  created: z.number().int(),
  data: z.array(z.looseObject({ url: z.string().optional(), b64_json: z.string().optional() })),
});

const transcriptionSchema = z.looseObject({ text: z.string() });

const moderationSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  results: z.array(z.looseObject({ flagged: z.boolean() })),
});

export const proxyExtrasComponents = {
  Response: responseSchema,
  ResponseStreamEvent: responseEventSchema,
  ImagesResponse: imagesSchema,
  Transcription: transcriptionSchema,
  ModerationResponse: moderationSchema,
};

export const proxyExtrasRoutes = [
  inferenceRoute("responses", {
    path: "/v1/responses",
    aliases: ["/responses", "/openai/v1/responses", "/openai/responses"],
    summary: "Create a model response (OpenAI Responses API)",
    body: responsesRequestSchema,
    response: responseSchema,
    stream: responseEventSchema,
  }),
  inferenceRoute("image_generation", {
    path: "/v1/images/generations",
    aliases: ["/images/generations", ...azurePaths("images/generations")],
    summary: "Generate images (OpenAI)",
    body: imageRequestSchema,
    response: imagesSchema,
  }),
  inferenceRoute("audio_speech", {
    path: "/v1/audio/speech",
    aliases: ["/audio/speech", ...azurePaths("audio/speech")],
    summary: "Text to speech (OpenAI): the audio as the upstream sent it, streamed through",
    body: speechRequestSchema,
    response: { mediaType: "application/octet-stream", schema: z.string().meta({ format: "binary" }) },
    responseDescription: "The audio, with the upstream's content type (audio/mpeg for mp3)",
  }),
  inferenceRoute("audio_transcription", {
    path: "/v1/audio/transcriptions",
    aliases: ["/audio/transcriptions", ...azurePaths("audio/transcriptions")],
    summary: "Transcribe audio (OpenAI): a multipart/form-data upload, `model` read from its field",
    body: transcriptionRequestSchema,
    bodyMediaType: "multipart/form-data",
    readBody: readMultipartBody,
    response: transcriptionSchema,
    responseDescription: "JSON; with response_format text, srt or vtt the upstream's text as it came",
  }),
  inferenceRoute("moderation", {
    path: "/v1/moderations",
    aliases: ["/moderations"],
    summary: "Classify text for moderation (OpenAI)",
    body: moderationRequestSchema,
    response: moderationSchema,
  }),
];
