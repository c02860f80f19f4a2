param acrName string = 'contosoimports'
param location string = resourceGroup().location

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: location
  sku: { name: 'Premium' }
}

resource importImages 'Microsoft.Resources/deploymentScripts@2020-10-01' = {
  name: 'import-base-images'
  location: location
  kind: 'AzureCLI'
  properties: {
    azCliVersion: '2.50.0'
    retentionInterval: 'P1D'
    environmentVariables: [
      { name: 'acrName', value: acr.name }
    ]
    scriptContent: 'az acr import -n $acrName --source mcr.microsoft.com/dotnet/runtime:8.0 --force'
  }
}

module importMore 'br/public:deployment-scripts/import-acr:3.0.1' = {
  name: 'importMore'
  params: {
    acrName: acrName
    location: location
    images: [ 'docker.io/library/nginx:latest' ]
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'web'
  location: location
  properties: {
    configuration: {
      registries: [ { server: acr.properties.loginServer, identity: 'system' } ]
    }
  }
}
