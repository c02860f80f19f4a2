param location string = resourceGroup().location
param principalId string

// Passes its registry module no network settings: no param closes the registry
module stack 'br/public:avm/ptn/azd/container-apps-stack:0.1.1' = {
  name: 'stack'
  params: {
    containerAppsEnvironmentName: 'cae-demo'
    containerRegistryName: 'acrstack01'
    logAnalyticsWorkspaceResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law'
    acrSku: 'Premium'
    // (the Container Apps environment's, not the registry's)
    publicNetworkAccess: 'Disabled'
  }
}

// publicNetworkAccess (default 'Enabled') goes to the registry and, from 0.1.1, the AKS cluster
module aks 'br/public:avm/ptn/azd/aks:0.2.0' = {
  name: 'aks'
  params: {
    name: 'aks-demo'
    containerRegistryName: 'acraks01'
    monitoringWorkspaceResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law'
    principalId: principalId
  }
}

// 0.1.0: publicNetworkAccess goes to the registry only
module aksFirst 'br/public:avm/ptn/azd/aks:0.1.0' = {
  name: 'aks-first'
  params: {
    name: 'aks-first'
    location: location
    containerRegistryName: 'acraks02'
    logAnalyticsName: 'law'
    keyVaultName: 'kv-demo'
    principalId: principalId
    acrSku: 'Standard'
  }
}

// closed through the pattern's params
module aksClosed 'br/public:avm/ptn/azd/aks:0.3.0' = {
  name: 'aks-closed'
  params: {
    name: 'aks-closed'
    containerRegistryName: 'acraks03'
    monitoringWorkspaceResourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law'
    principalId: principalId
    acrSku: 'Premium'
    publicNetworkAccess: 'Disabled'
  }
}

// a registry only when containerRegistryName is given
module hub 'br/public:avm/ptn/azd/ml-hub-dependencies:0.2.0' = {
  name: 'hub'
  params: {
    keyVaultName: 'kv-hub'
    storageAccountName: 'sthub01'
    cognitiveServicesName: 'ai-hub'
    containerRegistryName: 'acrhub01'
    registryPublicNetworkAccess: 'Disabled'
    registryAcrSku: 'Premium'
  }
}

module hubWithoutRegistry 'br/public:avm/ptn/azd/ml-hub-dependencies:0.2.0' = {
  name: 'hub-no-registry'
  params: {
    keyVaultName: 'kv-hub2'
    storageAccountName: 'sthub02'
    cognitiveServicesName: 'ai-hub2'
  }
}

// creates a registry acr-fix does not model
module agents 'br/public:avm/ptn/dev-ops/cicd-agents-and-runners:0.3.1' = {
  name: 'agents'
  params: {
    namingPrefix: 'ado'
    computeTypes: [
      'azure-container-app'
    ]
    selfHostedConfig: {
      selfHostedType: 'azuredevops'
      devOpsOrganization: 'contoso'
      personalAccessToken: 'placeholder'
      agentsPoolName: 'pool'
    }
    networkingConfiguration: {
      networkType: 'createNew'
      addressSpace: '10.0.0.0/16'
    }
  }
}

// these do not create a registry (closed by design, or only use one)
module lza 'br/public:avm/ptn/aca-lza/hosting-environment:0.6.3' = {
  name: 'lza'
  params: {
    workloadName: 'app'
  }
}

module importImage 'br/public:avm/ptn/deployment-script/import-image-to-acr:0.4.4' = {
  name: 'import'
  params: {
    name: 'import'
    acrName: 'acrstack01'
    image: 'mcr.microsoft.com/k8se/quickstart-jobs:latest'
  }
}

module foundry 'br/public:avm/ptn/ai-ml/ai-foundry:0.4.0' = {
  name: 'foundry'
  params: {
    baseName: 'found'
  }
}
