/**
 * The price table the generator draws requests from: realistic models, each offered by one
 * or more providers at that provider's list price. Prices are integers in picodollars
 * (10^-12 USD) per token, so a request's cost is an exact integer: `$2.50 per million
 * tokens` is 2_500_000 pUSD per token. Every price here is a multiple of 100 pUSD, so
 * costs and 5% fees on them fit in 12 fractional digits.
 */

export interface Offering {
  readonly model: string;
  readonly provider: string;
  /** pUSD per input (prompt) token. */
  readonly inputPrice: number;
  /** pUSD per output (completion) token. */
  readonly outputPrice: number;
  /** Relative popularity among all offerings. */
  readonly weight: number;
  /** Typical prompt and completion sizes (tokens); the draws are heavy-tailed around them. */
  readonly typicalInput: number;
  readonly typicalOutput: number;
  /** Context window: prompt tokens never exceed it. */
  readonly maxInput: number;
  readonly maxOutput: number;
}

interface ModelSpec {
  readonly model: string;
  readonly weight: number;
  readonly typicalInput: number;
  readonly typicalOutput: number;
  readonly maxInput: number;
  readonly maxOutput: number;
  /** provider, share of the model's traffic, pUSD per input token, pUSD per output token (= $ per million tokens × 10^6) */
  readonly providers: readonly (readonly [string, number, number, number])[];
}

const MODELS: readonly ModelSpec[] = [
  { model: 'openai/gpt-4o', weight: 12, typicalInput: 1500, typicalOutput: 350, maxInput: 128_000, maxOutput: 16_384,
    providers: [['openai', 0.75, 2_500_000, 10_000_000], ['azure', 0.25, 2_500_000, 10_000_000]] },
  { model: 'openai/gpt-4o-mini', weight: 18, typicalInput: 1200, typicalOutput: 250, maxInput: 128_000, maxOutput: 16_384,
    providers: [['openai', 0.8, 150_000, 600_000], ['azure', 0.2, 150_000, 600_000]] },
  { model: 'openai/gpt-4.1', weight: 6, typicalInput: 3000, typicalOutput: 500, maxInput: 1_000_000, maxOutput: 32_768,
    providers: [['openai', 1, 2_000_000, 8_000_000]] },
  { model: 'openai/o3-mini', weight: 4, typicalInput: 1500, typicalOutput: 1500, maxInput: 200_000, maxOutput: 100_000,
    providers: [['openai', 1, 1_100_000, 4_400_000]] },
  { model: 'anthropic/claude-sonnet-4', weight: 14, typicalInput: 4000, typicalOutput: 600, maxInput: 200_000, maxOutput: 64_000,
    providers: [['anthropic', 0.6, 3_000_000, 15_000_000], ['amazon-bedrock', 0.25, 3_000_000, 15_000_000], ['google-vertex', 0.15, 3_000_000, 15_000_000]] },
  { model: 'anthropic/claude-3.5-haiku', weight: 6, typicalInput: 2000, typicalOutput: 300, maxInput: 200_000, maxOutput: 8_192,
    providers: [['anthropic', 0.7, 800_000, 4_000_000], ['amazon-bedrock', 0.3, 800_000, 4_000_000]] },
  { model: 'anthropic/claude-opus-4', weight: 2, typicalInput: 5000, typicalOutput: 800, maxInput: 200_000, maxOutput: 32_000,
    providers: [['anthropic', 0.7, 15_000_000, 75_000_000], ['amazon-bedrock', 0.3, 15_000_000, 75_000_000]] },
  { model: 'google/gemini-2.0-flash-001', weight: 12, typicalInput: 2500, typicalOutput: 400, maxInput: 1_000_000, maxOutput: 8_192,
    providers: [['google-ai-studio', 0.6, 100_000, 400_000], ['google-vertex', 0.4, 100_000, 400_000]] },
  { model: 'google/gemini-2.5-pro', weight: 5, typicalInput: 6000, typicalOutput: 900, maxInput: 1_000_000, maxOutput: 65_536,
    providers: [['google-vertex', 0.5, 1_250_000, 10_000_000], ['google-ai-studio', 0.5, 1_250_000, 10_000_000]] },
  { model: 'mistralai/mistral-large-2411', weight: 3, typicalInput: 1500, typicalOutput: 400, maxInput: 128_000, maxOutput: 8_192,
    providers: [['mistral', 1, 2_000_000, 6_000_000]] },
  { model: 'mistralai/mistral-small-3.1-24b-instruct', weight: 3, typicalInput: 1000, typicalOutput: 250, maxInput: 128_000, maxOutput: 8_192,
    providers: [['mistral', 1, 100_000, 300_000]] },
  { model: 'deepseek/deepseek-chat-v3', weight: 6, typicalInput: 2000, typicalOutput: 500, maxInput: 64_000, maxOutput: 8_192,
    providers: [['deepseek', 0.5, 270_000, 1_100_000], ['fireworks', 0.25, 900_000, 900_000], ['together', 0.25, 1_250_000, 1_250_000]] },
  { model: 'meta-llama/llama-3.3-70b-instruct', weight: 6, typicalInput: 1200, typicalOutput: 300, maxInput: 128_000, maxOutput: 8_192,
    providers: [['together', 0.4, 880_000, 880_000], ['fireworks', 0.3, 900_000, 900_000], ['groq', 0.3, 590_000, 790_000]] },
  { model: 'meta-llama/llama-3.1-8b-instruct', weight: 4, typicalInput: 800, typicalOutput: 200, maxInput: 128_000, maxOutput: 8_192,
    providers: [['groq', 0.6, 50_000, 80_000], ['together', 0.4, 180_000, 180_000]] },
  // A free model: zero list cost (POLICY.md D8: counts toward the allowance, zero fee).
  { model: 'meta-llama/llama-3.3-70b-instruct:free', weight: 2, typicalInput: 1000, typicalOutput: 300, maxInput: 128_000, maxOutput: 4_096,
    providers: [['together', 1, 0, 0]] },
];

export const OFFERINGS: readonly Offering[] = MODELS.flatMap((m) =>
  m.providers.map(([provider, share, input, output]) => ({
    model: m.model,
    provider,
    inputPrice: input,
    outputPrice: output,
    weight: m.weight * share,
    typicalInput: m.typicalInput,
    typicalOutput: m.typicalOutput,
    maxInput: m.maxInput,
    maxOutput: m.maxOutput,
  })),
);

/** The distinct providers, in first-seen order; an offering's provider index is its position here. */
export const PROVIDERS: readonly string[] = [...new Set(OFFERINGS.map((o) => o.provider))];
