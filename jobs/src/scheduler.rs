//! The "when": one tokio-cron-scheduler job per enabled unit, each on its own
//! cron expression (six fields, seconds first, UTC). A job only triggers the
//! service; the service guards against overlapping runs of a unit and keeps
//! units independent — each trigger runs in its own task, so a slow or
//! failing unit never delays or stops another.

use std::time::Duration;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tracing::{error, info};

use crate::run_log::Trigger;
use crate::service::RefreshService;
use crate::unit::Unit;

/// How long a shutdown waits for runs in progress.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the scheduler could not start.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// tokio-cron-scheduler refused a job or failed to start.
    #[error("scheduler: {0}")]
    Scheduler(#[from] JobSchedulerError),
    /// Interrupted runs of a previous process could not be marked.
    #[error("refresh run log: {0}")]
    RunLog(#[from] sea_orm::DbErr),
}

/// The running schedule; stop it with [`RefreshScheduler::shutdown`].
pub struct RefreshScheduler {
    scheduler: Option<JobScheduler>,
    service: RefreshService,
}

/// Triggers `unit` in its own task and logs the outcome.
fn spawn_run(service: &RefreshService, unit: Unit, trigger: Trigger) {
    let service = service.clone();
    tokio::spawn(async move {
        if let Err(e) = service.trigger(unit, trigger).await {
            error!(%unit, error = %e, "refresh failed");
        }
    });
}

impl RefreshScheduler {
    /// Schedules every enabled unit, starts the scheduler, and starts the
    /// `run_on_start` runs. With `refresh.enabled = false` nothing is
    /// scheduled (manual `refreshNow` still works).
    pub async fn start(service: RefreshService) -> Result<Self, SchedulerError> {
        service.recover().await?;
        let settings = service.settings().clone();
        if !settings.enabled {
            info!("refresh scheduler disabled");
            return Ok(Self {
                scheduler: None,
                service,
            });
        }
        let scheduler = JobScheduler::new().await?;
        for unit in Unit::ALL.into_iter().filter(|u| settings.unit(*u).enabled) {
            let svc = service.clone();
            let job = Job::new_async(settings.cron(unit), move |_id, _lock| {
                spawn_run(&svc, unit, Trigger::Schedule);
                Box::pin(async {})
            })?;
            scheduler.add(job).await?;
            service.set_scheduled(unit, true);
            info!(%unit, cron = settings.cron(unit), source = settings.unit(unit).source.as_str(), "refresh scheduled");
        }
        scheduler.start().await?;
        for unit in Unit::ALL
            .into_iter()
            .filter(|u| settings.unit(*u).enabled && settings.unit(*u).run_on_start)
        {
            spawn_run(&service, unit, Trigger::Startup);
        }
        Ok(Self {
            scheduler: Some(scheduler),
            service,
        })
    }

    /// The service the schedule triggers.
    pub fn service(&self) -> &RefreshService {
        &self.service
    }

    /// Stops scheduling, then waits (bounded) for runs in progress.
    pub async fn shutdown(mut self) {
        if let Some(mut s) = self.scheduler.take() {
            if let Err(e) = s.shutdown().await {
                error!(error = %e, "stopping the refresh scheduler");
            }
        }
        for unit in Unit::ALL {
            self.service.set_scheduled(unit, false);
        }
        self.service.drain(DRAIN_TIMEOUT).await;
        info!("refresh scheduler stopped");
    }
}
