using './main.bicep'

param environment = 'prod'
param owner = readEnvironmentVariable('REGISTRY_OWNER', 'team')
