/**
 * A dataset's `evaluation_tasks` (`projects/home/recap/data/config.py`: the tasks metrics are
 * generated for) applied to evaluation metrics: per-task metrics (`<metric>/<task>`) of other
 * tasks are dropped; metrics of no task (`eval_examples`) are kept. An empty list keeps all.
 */
export function onlyEvaluationTasks(
  metrics: Record<string, number>,
  evaluationTasks: readonly string[],
): Record<string, number> {
  if (evaluationTasks.length === 0) return metrics;
  const tasks = new Set(evaluationTasks);
  return Object.fromEntries(
    Object.entries(metrics).filter(([key]) => {
      const slash = key.indexOf("/");
      return slash < 0 || tasks.has(key.slice(slash + 1));
    }),
  );
}
