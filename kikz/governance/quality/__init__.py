"""Evaluation: metadata quality (MQA of data.europa.eu, per dataset and per city) and data quality per table.

service.mqa_for_dataset / mqa_for_city / data_quality / evaluate_all   evaluate and record
history.*                                                             latest results and trends
jobs.job_handlers(settings)                                           background jobs
api.router, pages.router, cli.quality                                 JSON API, HTML pages, CLI
"""
