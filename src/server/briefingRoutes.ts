import { Router, type NextFunction, type Request, type Response } from "express";
import type { Services } from "../app.js";
import { AbortError } from "../answer/pipeline.js";
import { briefingServiceFor } from "../briefing/service.js";
import { BriefingRequestSchema } from "../briefing/types.js";
import { validationError } from "./errors.js";
import { abortOnClientClose, allowMethods } from "./middleware.js";

/**
 * `POST /briefing` (mounted under /api): a cited briefing on a topic. Mounted on the API router,
 * so it shares its rate limit, API key check, JSON-only rule and error shape.
 *
 * @param ready returns the wired services, or throws the 503 ApiError while the index is building.
 */
export function createBriefingRouter(ready: () => Services): Router {
  const router = Router();
  router.use(allowMethods([[/^\/briefing\/?$/i, ["POST"]]]));
  router.post("/briefing", (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const parsed = BriefingRequestSchema.safeParse(req.body);
      if (!parsed.success) throw validationError(parsed.error, "body");
      const services = ready();
      const client = abortOnClientClose(res);
      try {
        const briefing = await briefingServiceFor(services).brief({ topic: parsed.data.topic, maxPoints: parsed.data.maxPoints, signal: client.signal });
        res.json(briefing);
      } catch (err) {
        if (err instanceof AbortError) return;
        throw err;
      } finally {
        client.dispose();
      }
    })().catch(next);
  });
  return router;
}
