import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { ENVOY_METRIC } from '../../providers/cloudwatch/queries.js';

export const AGENT_NAME = 'chimera-cwagent';
export const AGENT_IMAGE = 'public.ecr.aws/cloudwatch-agent/cloudwatch-agent:latest';
const SD_RESULT_FILE = '/tmp/cwagent_ecs_auto_sd.yaml';

/**
 * The CloudWatch agent's configuration: discover every container labelled ECS_PROMETHEUS_EXPORTER_PORT (the `ecs`
 * platform labels each Envoy sidecar so), scrape its /stats/prometheus, and write `envoy_http_downstream_rq_xx`
 * as EMF with the dimensions the `cloudwatch` provider reads — the original Chimera's metrics, unchanged.
 */
export function agentConfig(cluster: string, namespace: string): string {
  return JSON.stringify({
    logs: {
      force_flush_interval: 5,
      metrics_collected: {
        prometheus: {
          cluster_name: cluster,
          prometheus_config_path: 'env:PROMETHEUS_CONFIG_CONTENT',
          ecs_service_discovery: {
            sd_frequency: '1m',
            sd_result_file: SD_RESULT_FILE,
            docker_label: {
              sd_port_label: 'ECS_PROMETHEUS_EXPORTER_PORT',
              sd_metrics_path_label: 'ECS_PROMETHEUS_METRICS_PATH',
            },
          },
          emf_processor: {
            metric_namespace: namespace,
            metric_declaration: [
              {
                source_labels: ['container_name'],
                label_matcher: '^envoy$',
                dimensions: [
                  [
                    'ClusterName',
                    'TaskDefinitionFamily',
                    'envoy_http_conn_manager_prefix',
                    'envoy_response_code_class',
                  ],
                ],
                metric_selectors: [`^${ENVOY_METRIC}$`],
              },
            ],
          },
        },
      },
    },
  });
}

/** Prometheus scrape configuration: the targets the agent's ECS discovery writes, every 30 s. */
export function prometheusConfig(): string {
  return [
    'global:',
    '  scrape_interval: 30s',
    '  scrape_timeout: 10s',
    'scrape_configs:',
    '  - job_name: chimera-envoy',
    '    sample_limit: 10000',
    '    file_sd_configs:',
    `      - files: ["${SD_RESULT_FILE}"]`,
    '',
  ].join('\n');
}

export interface AgentTaskOptions {
  cluster: string;
  region: string;
  namespace: string;
  taskRoleArn: string;
  executionRoleArn: string;
}

/** The agent's Fargate task definition. */
export function agentTaskDefinition(o: AgentTaskOptions): RegisterTaskDefinitionCommandInput {
  return {
    family: AGENT_NAME,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    taskRoleArn: o.taskRoleArn,
    executionRoleArn: o.executionRoleArn,
    containerDefinitions: [
      {
        name: 'cloudwatch-agent',
        image: AGENT_IMAGE,
        essential: true,
        environment: [
          { name: 'CW_CONFIG_CONTENT', value: agentConfig(o.cluster, o.namespace) },
          { name: 'PROMETHEUS_CONFIG_CONTENT', value: prometheusConfig() },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-create-group': 'true',
            'awslogs-group': `/ecs/${AGENT_NAME}`,
            'awslogs-region': o.region,
            'awslogs-stream-prefix': 'agent',
          },
        },
      },
    ],
    tags: [{ key: 'chimera:component', value: 'cwagent' }],
  };
}

/** Permissions of the agent's task role: ECS discovery (read-only) on top of CloudWatchAgentServerPolicy. */
export const AGENT_DISCOVERY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'ec2:DescribeInstances',
        'ecs:DescribeContainerInstances',
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeTasks',
        'ecs:ListServices',
        'ecs:ListTasks',
      ],
      Resource: '*',
    },
  ],
});

/** The execution role may create the agent's log group (awslogs-create-group). */
export const AGENT_LOGS_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup'], Resource: '*' }],
});

export const ECS_TASKS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
